//! Dump order as pg_dump_sort.c computes it: sort by type priority and name, then a
//! topological sort that disturbs that order as little as possible, repairing dependency loops
//! the way upstream does.

use std::collections::{BinaryHeap, HashMap, HashSet};

use tusk_format::DumpId;

use crate::catalog::Catalog;
use crate::objects::{DumpObject, ObjectGraph, ObjectKind, Subject, type_name_order};

/// Sorts `graph.objects` into dump order. Returns warnings for loops that had to be broken
/// arbitrarily.
pub fn sort(graph: &mut ObjectGraph, cat: &Catalog) -> Vec<String> {
    // Positions are sorted, not the objects: each is some 200 bytes, moved once at the end.
    let mut order: Vec<usize> = (0..graph.objects.len()).collect();
    order.sort_by(|&a, &b| type_name_order(&graph.objects[a], &graph.objects[b]));
    permute(&mut graph.objects, &order);
    graph.reindex();
    let mut warnings = Vec::new();
    loop {
        match topo_sort(&graph.objects) {
            Ok(order) => {
                permute(&mut graph.objects, &order);
                graph.reindex();
                return warnings;
            }
            Err(stuck) => {
                if !repair_loops(graph, cat, &stuck, &mut warnings) {
                    // No loop found although the sort failed: cannot happen with a consistent
                    // graph, but never spin forever.
                    warnings.push("could not identify dependency loop".to_owned());
                    return warnings;
                }
            }
        }
    }
}

/// Puts `objects` in the order of `order`, a permutation of their positions.
fn permute(objects: &mut Vec<DumpObject>, order: &[usize]) {
    let mut slots: Vec<Option<DumpObject>> = objects.drain(..).map(Some).collect();
    objects.extend(order.iter().filter_map(|&i| slots[i].take()));
}

/// Positions of the objects by dump id. Dump ids are dense, from 1, so a table does; an id
/// no object has (a dependency on something not read) maps to none.
struct Positions(Vec<Option<usize>>);

impl Positions {
    fn new(objs: &[DumpObject]) -> Self {
        let len = objs
            .iter()
            .map(|o| usize::try_from(o.id).unwrap_or(0) + 1)
            .max()
            .unwrap_or(0);
        let mut table = vec![None; len];
        for (i, o) in objs.iter().enumerate() {
            if let Ok(id) = usize::try_from(o.id) {
                table[id] = Some(i);
            }
        }
        Positions(table)
    }

    fn get(&self, id: DumpId) -> Option<usize> {
        usize::try_from(id)
            .ok()
            .and_then(|id| self.0.get(id).copied().flatten())
    }
}

/// `TopoSort`: emits objects from the end, always taking the ready object that came last in
/// the input, so the input order survives wherever the dependencies allow. Returns the
/// positions in dump order, or on failure the objects that could not be placed.
fn topo_sort(objs: &[DumpObject]) -> Result<Vec<usize>, Vec<DumpId>> {
    let positions = Positions::new(objs);
    // How many objects still to be emitted (after it, in the reversed output) depend on each.
    let mut before = vec![0usize; objs.len()];
    for o in objs {
        for d in &o.deps {
            if let Some(j) = positions.get(*d) {
                before[j] += 1;
            }
        }
    }
    let mut heap: BinaryHeap<usize> = (0..objs.len()).filter(|&i| before[i] == 0).collect();
    let mut out = Vec::with_capacity(objs.len());
    while let Some(i) = heap.pop() {
        out.push(i);
        for d in &objs[i].deps {
            if let Some(j) = positions.get(*d) {
                before[j] -= 1;
                if before[j] == 0 {
                    heap.push(j);
                }
            }
        }
    }
    if out.len() == objs.len() {
        out.reverse();
        Ok(out)
    } else {
        let mut stuck: Vec<DumpId> = (0..objs.len())
            .filter(|&i| before[i] > 0)
            .map(|i| objs[i].id)
            .collect();
        stuck.sort_unstable();
        Err(stuck)
    }
}

/// `findDependencyLoops`: finds disjoint loops among the stuck objects and repairs each.
fn repair_loops(
    graph: &mut ObjectGraph,
    cat: &Catalog,
    stuck: &[DumpId],
    warnings: &mut Vec<String>,
) -> bool {
    let mut processed: HashSet<DumpId> = HashSet::new();
    let mut fixed = false;
    for &start in stuck {
        let mut search_failed: HashMap<DumpId, DumpId> = HashMap::new();
        let mut workspace = Vec::new();
        let found = find_loop(
            graph,
            start,
            start,
            &processed,
            &mut search_failed,
            &mut workspace,
        );
        if found {
            repair_loop(graph, cat, &workspace, warnings);
            processed.extend(workspace.iter().copied());
            fixed = true;
        } else {
            processed.insert(start);
        }
    }
    fixed
}

/// `findLoop`: depth-first search for a path from `id` back to `start`.
fn find_loop(
    graph: &ObjectGraph,
    id: DumpId,
    start: DumpId,
    processed: &HashSet<DumpId>,
    search_failed: &mut HashMap<DumpId, DumpId>,
    workspace: &mut Vec<DumpId>,
) -> bool {
    if processed.contains(&id) || search_failed.get(&id) == Some(&start) || workspace.contains(&id)
    {
        return false;
    }
    let Some(obj) = graph.get(id) else {
        return false;
    };
    workspace.push(id);
    if obj.deps.contains(&start) {
        return true;
    }
    for &next in &obj.deps {
        if graph.get(next).is_some()
            && find_loop(graph, next, start, processed, search_failed, workspace)
        {
            return true;
        }
    }
    workspace.pop();
    search_failed.insert(id, start);
    false
}

fn remove_dep(graph: &mut ObjectGraph, from: DumpId, to: DumpId) {
    if let Some(o) = graph.get_mut(from) {
        o.deps.retain(|d| *d != to);
    }
}

/// A loop of a type and one of its I/O functions: (type, function).
fn type_and_function(graph: &ObjectGraph, lp: &[DumpId]) -> Option<(DumpId, DumpId)> {
    let [a, b] = lp else { return None };
    let kind = |id: &DumpId| graph.get(*id).map(|o| o.kind);
    match (kind(a)?, kind(b)?) {
        (ObjectKind::Type, ObjectKind::Func) => Some((*a, *b)),
        (ObjectKind::Func, ObjectKind::Type) => Some((*b, *a)),
        _ => None,
    }
}

/// `repairTypeFuncLoop`: the function is created with the type's shell instead, and the
/// shell is dumped when the function is.
fn repair_type_function(graph: &mut ObjectGraph, ty: DumpId, func: DumpId) {
    remove_dep(graph, func, ty);
    let Some(Subject::BaseType(i)) = graph.get(ty).map(|o| o.subject) else {
        return;
    };
    let Some(shell) = graph
        .objects
        .iter()
        .find(|o| o.subject == Subject::ShellType(i))
        .map(|o| o.id)
    else {
        return;
    };
    let dumped = graph.get(func).is_some_and(|f| f.dump);
    if let Some(f) = graph.get_mut(func) {
        f.deps.push(shell);
    }
    if dumped {
        if let Some(s) = graph.get_mut(shell) {
            s.dump = true;
        }
    }
}

fn attrdef_table(graph: &ObjectGraph, attrdef: DumpId, table: DumpId) -> bool {
    match (graph.get(attrdef), graph.get(table)) {
        (Some(a), Some(t)) => {
            a.kind == ObjectKind::AttrDef
                && t.kind == ObjectKind::Table
                && matches!((a.subject, t.subject), (crate::objects::Subject::Column(r, _), crate::objects::Subject::Relation(r2)) if r == r2)
        }
        _ => false,
    }
}

/// Whether `view` is a view or materialized view whose relkind is in `relkinds` and `rule` is
/// its ON SELECT rule.
fn view_and_rule(
    graph: &ObjectGraph,
    cat: &Catalog,
    view: DumpId,
    rule: DumpId,
    relkinds: &[u8],
) -> bool {
    let (Some(v), Some(r)) = (graph.get(view), graph.get(rule)) else {
        return false;
    };
    match (v.kind, v.subject, r.kind, r.subject) {
        (ObjectKind::Table, Subject::Relation(t), ObjectKind::Rule, Subject::Rule(k)) => {
            let (rel, rule) = (&cat.relations[t], &cat.rules[k]);
            relkinds.contains(&rel.relkind) && rule.is_view_select() && rule.table_oid == rel.oid
        }
        _ => false,
    }
}

fn is_matview(graph: &ObjectGraph, cat: &Catalog, id: DumpId) -> bool {
    graph.get(id).is_some_and(|o| {
        o.kind == ObjectKind::Table
            && matches!(o.subject, Subject::Relation(t) if cat.relations[t].relkind == b'm')
    })
}

fn is_function(graph: &ObjectGraph, _cat: &Catalog, id: DumpId) -> bool {
    graph.get(id).is_some_and(|o| o.kind == ObjectKind::Func)
}

fn is_matview_stats(graph: &ObjectGraph, cat: &Catalog, id: DumpId) -> bool {
    graph.get(id).is_some_and(|o| {
        matches!(o.subject, Subject::RelStats(i)
            if cat.relation(cat.relation_stats.relations[i].oid).is_some_and(|r| r.relkind == b'm'))
    })
}

/// Recognises the objects a boundary loop repair may postpone to post-data.
type Postponable = fn(&ObjectGraph, &Catalog, DumpId) -> bool;

/// In a loop of more than two holding a postponable object and `boundary`, the boundary
/// drops its dependency on the next object in the loop, which is postponed if it can be.
fn postpone_after_boundary(
    graph: &mut ObjectGraph,
    cat: &Catalog,
    lp: &[DumpId],
    is_postponable: Postponable,
    boundary: ObjectKind,
) -> bool {
    if lp.len() <= 2 || !lp.iter().any(|&m| is_postponable(graph, cat, m)) {
        return false;
    }
    let Some(j) = lp
        .iter()
        .position(|&b| graph.get(b).map(|o| o.kind) == Some(boundary))
    else {
        return false;
    };
    let next = lp[(j + 1) % lp.len()];
    remove_dep(graph, lp[j], next);
    if is_postponable(graph, cat, next) {
        if let Some(o) = graph.get_mut(next) {
            o.separate = true;
        }
    }
    true
}

/// The repairs pg_dump makes when an object printed inside its owner's definition (a view's ON
/// SELECT rule, a table's CHECK constraint or default) is in a loop: alone with its owner, the
/// part's dependency on the owner is dropped and it stays inside; in a longer loop the owner
/// lets go of it and the part becomes its own entry after the owner, in post-data when
/// `post_data`. `part_of(graph, part, owner, longer)` recognises the pair.
fn repair_part_loop(
    graph: &mut ObjectGraph,
    lp: &[DumpId],
    part_of: impl Fn(&ObjectGraph, DumpId, DumpId, bool) -> bool,
    post_data: bool,
) -> bool {
    if lp.len() == 2 {
        for (owner, part) in [(lp[0], lp[1]), (lp[1], lp[0])] {
            if part_of(graph, part, owner, false) {
                remove_dep(graph, part, owner);
                return true;
            }
        }
        return false;
    }
    for &owner in lp {
        for &part in lp {
            if part_of(graph, part, owner, true) {
                remove_dep(graph, owner, part);
                let post = if post_data {
                    graph
                        .objects
                        .iter()
                        .find(|o| o.kind == ObjectKind::PostDataBoundary)
                        .map(|o| o.id)
                } else {
                    None
                };
                if let Some(o) = graph.get_mut(part) {
                    o.separate = true;
                    o.deps.push(owner);
                    o.deps.extend(post);
                }
                return true;
            }
        }
    }
    false
}

/// `repairDependencyLoop`, for the loop shapes that the object kinds tusk dumps can form, tried
/// in upstream's order.
fn repair_loop(graph: &mut ObjectGraph, cat: &Catalog, lp: &[DumpId], warnings: &mut Vec<String>) {
    if let Some((ty, func)) = type_and_function(graph, lp) {
        repair_type_function(graph, ty, func);
        return;
    }
    // A view and its ON SELECT rule. In a longer loop the view is created with a dummy body
    // and the rule becomes a CREATE OR REPLACE VIEW (not possible for materialized views).
    let view_rule = |g: &ObjectGraph, rule, view, longer: bool| {
        view_and_rule(g, cat, view, rule, if longer { b"v" } else { b"vm" })
    };
    if repair_part_loop(graph, lp, view_rule, true) {
        return;
    }
    // A materialized view or a function in a loop through the pre-data boundary (it reads
    // something post-data, such as a primary key its GROUP BY relies on), or a materialized
    // view's statistics (in data when its data is not dumped) in a loop through the post-data
    // boundary once the view is postponed there: the boundary lets go of the next object, and
    // a view, statistics or function there is postponed to post-data
    // (repairMatViewBoundaryMultiLoop, then repairFunctionBoundaryMultiLoop).
    let postponable: [(Postponable, ObjectKind); 3] = [
        (is_matview, ObjectKind::PreDataBoundary),
        (is_matview_stats, ObjectKind::PostDataBoundary),
        (is_function, ObjectKind::PreDataBoundary),
    ];
    for (is_postponable, boundary) in postponable {
        if postpone_after_boundary(graph, cat, lp, is_postponable, boundary) {
            return;
        }
    }
    // A table and one of its CHECK constraints (repairTableConstraintLoop / MultiLoop).
    let check_of =
        |g: &ObjectGraph, c: DumpId, t: DumpId, _| g.get(c).is_some_and(|o| o.check_of == Some(t));
    if repair_part_loop(graph, lp, check_of, true) {
        return;
    }
    // A table and one of its defaults (a serial column's sequence is owned by the table): the
    // default becomes a separate ALTER TABLE, still pre-data.
    let default_of = |g: &ObjectGraph, a, t, _| attrdef_table(g, a, t);
    if repair_part_loop(graph, lp, default_of, false) {
        return;
    }
    // A table depending on itself (column on column, or on the whole table): ignore.
    if lp.len() == 1 {
        remove_dep(graph, lp[0], lp[0]);
        return;
    }
    let names: Vec<String> = lp
        .iter()
        .filter_map(|id| graph.get(*id))
        .map(|o| format!("{:?} {} (ID {})", o.kind, o.name, o.id))
        .collect();
    warnings.push(format!(
        "could not resolve dependency loop among these items: {}",
        names.join(", ")
    ));
    // Break the loop arbitrarily, as upstream does.
    let (a, b) = (lp[0], lp[1]);
    remove_dep(graph, a, b);
}
