/dev/fd/3: line 132: -h: command not found
