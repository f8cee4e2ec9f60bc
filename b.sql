/dev/fd/3: line 181: eval: -h: invalid option
eval: usage: eval [arg ...]
