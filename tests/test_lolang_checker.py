"""The lolang checker, rule by rule: for every rule a program it rejects
(the message fragment and the LINE:COL are checked) and a near-identical one
it accepts (the rejected one is the accepted one with one edit); and every
hand-written program of tests/lolang_programs is accepted.
"""

from pathlib import Path

import pytest

from diagnostics import CompileError, Source
from lolang.checker import check
from lolang.parser import parse

PROGRAMS = Path(__file__).parent / "lolang_programs"

# (name, accepted program, (old, new): the one edit that breaks it, fragment
# of the first diagnostic). A program starts with a newline, so its first
# line of code is line 2.
BOX = "data Box = Box(inner: Pack{r} String)\n"
# A cell taken apart by a nested reset and rebuilt whole from its fields
# (the `reuse` pass, docs/lolang.md §5.5): the rebuild consumes the fields
# and the token (two pairs below).
REBUILT_CELL = """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun fix(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w1 {
        Node(l, y, c) => {
            match reset l as w2 {
                Node(a, x, b) => {
                    let l2 = reuse{r} w2 Node(a, x, b);
                    return reuse{r} w1 Node(l2, y, c);
                }
                _ => {
                    return reuse{r} w1 Node(w2, y, c);
                }
            }
        }
        _ => {
            return w1;
        }
    }
}

fun main() {
    drop fix(pack{r} new[P] Leaf)@2:2;
}
"""

CASES = [
("read_only_packs_are_covariant", """
fun total(g: &Pack{r} (Array (Pack{r} (Array S64)))): S64 {
    unpack g as s, x {
        len(x)
    }
}

fun main() {
    let g = region q {
        pack{rwa} new[q] Array (Pack{rwa} (Array S64)) []
    };
    print(total(g)@12:11);
    drop g;
}
""", ("g: &Pack{r} (Array", "g: &Pack{rw} (Array"), "argument 'g' of 'total' has type 'Pack{rwa} (Array (Pack{rwa} (Array S64)))'"),

("region_out_of_scope", """
fun main() {
    region r {
        let s = new[r] "a";
        print(s);
    };
}
""", ('new[r] "a"', 'new[q] "a"'), "region 'q' is not in scope"),

("alloc_needs_a_restricted", """
fun main() {
    region r {
        restrict r: rwa {
            let s = new[r] "a";
            print(s);
        };
    };
}
""", ("restrict r: rwa", "restrict r: r"), "needs capability 'a' on region 'r', which holds {r} here (restricted at 4:9)"),

("read_needs_r", """
fun show[s: r](x: String @s) {
    print(x);
}

fun main() {
    region q {
        show[q](new[q] "a");
    };
}
""", ("[s: r]", "[s: w]"), "'print' needs capability 'r' on region 's', which holds {w}"),

("write_needs_w", """
fun set[s: rw](xs: Array S64 @s) {
    xs[0]@3:5 = 1;
}

fun main() {
    region q {
        set[q](new[q] Array S64 [0]);
    };
}
""", ("[s: rw]", "[s: r]"), "writing an element needs capability 'w' on region 's', which holds {r}"),

("push_needs_a", """
fun add[s: rwa](xs: Array S64 @s) {
    push(xs, 1);
}

fun main() {
    region q {
        add[q](new[q] Array S64 []);
    };
}
""", ("[s: rwa]", "[s: rw]"), "'push' needs capability 'a' on region 's', which holds {rw}"),

("call_region_argument_caps", """
fun add[s: rwa](xs: Array S64 @s) {
    push(xs, 1);
}

fun main() {
    region q {
        let xs = new[q] Array S64 [];
        restrict q: rwa {
            add[q](xs);
        };
        print(len(xs));
    };
}
""", ("restrict q: rwa", "restrict q: rw"), "the call to 'add' (for its region parameter 's: rwa') needs capability 'a' on region 'q', which holds {rw} here (restricted at 9:9)"),

("pack_caps_at_most_held", """
fun f(p: Pack{r} String) {
    unpack p as s, x {
        let q = pack{r} x;
        drop q;
    };
    drop p;
}

fun main() {
    f(region q {
        pack{r} new[q] "a"
    });
}
""", ("pack{r} x", "pack{rw} x"), "'pack{rw}' needs capability 'w' on region 's', which holds {r} here (unpacked at 3:5"),

("restrict_only_weakens", """
fun f(p: &Pack{r} String) {
    unpack p as s, x {
        restrict s: r {
            print(x);
        };
    };
}

fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    f(p);
    drop p;
}
""", ("restrict s: r", "restrict s: rw"), "'restrict' cannot give region 's' capability 'w': it holds {r} here"),

("escape_region_block_value", """
fun main() {
    let p = region r {
        pack{r} new[r] "a"
    };
    drop p;
}
""", ('pack{r} new[r] "a"', 'new[r] "a"'), "escapes the block of region 'r'"),

("escape_assignment_to_outer_var", """
fun main() {
    region q {
        var s = new[q] "a";
        region r {
            let t = new[r] "b";
            s = new[q] "c";
            print(t);
        };
        print(s);
    };
}
""", ('s = new[q] "c"', "s = t"), "escapes region 'r': 's' (declared at 4:9) outlives it"),

("escape_unpack_value", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    let n = unpack p as s, x {
        len(x)
    };
    print(n);
    drop p;
}
""", ("len(x)", "x"), "escapes the 'unpack' block of region 's'"),

("escape_borrowed_field", BOX + """
fun main() {
    let b = region q {
        let inner = region r {
            pack{r} new[r] "a"
        };
        pack{r} new[q] Box(inner)
    };
    let c = unpack b as s, x {
        copy x.inner
    };
    drop c;
    drop b;
}
""", ("copy x.inner", "x.inner"), "a value of a borrowed pack read from it escapes the 'unpack' block of region 's'"),

("consumed_twice", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    let c = copy p;
    drop c;
    drop p;
}
""", ("drop c;", "drop p;"), "pack 'p' is consumed twice (first by 'drop' at 7:10)"),

("used_after_consumed", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    unpack p as s, x {
        print(x);
    };
    drop p;
}
""", ("""    unpack p as s, x {
        print(x);
    };
    drop p;""", """    drop p;
    unpack p as s, x {
        print(x);
    };"""), "pack 'p' is used after it was consumed (by 'drop' at 6:10)"),

("never_consumed", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    drop p;
}
""", ("    drop p;\n", ""), "pack 'p' is never consumed: it leaks at the end of its block"),

("if_branches_disagree", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    if true {
        drop p;
    } else {
        drop p;
    }
}
""", ("""    } else {
        drop p;
    }""", "    }"), "pack 'p' is consumed on one path of the 'if' at 6:5 but not on the other"),

("loop_consumes_outer_pack", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    var i = 0;
    while i < 3 {
        let c = copy p;
        drop c;
        i = i + 1;
    }
    drop p;
}
""", ("let c = copy p;", "let c = p;"), "pack 'p' is owned before the loop at 7:5 and consumed by 'let c' inside it"),

("loop_reestablished_is_fine", """
fun main() {
    var p = region q {
        pack{r} new[q] "a"
    };
    var i = 0;
    while i < 3 {
        drop p;
        p = region q {
            pack{r} new[q] "b"
        };
        i = i + 1;
    }
    drop p;
}
""", ("""        p = region q {
            pack{r} new[q] "b"
        };
""", ""), "pack 'p' is owned before the loop at 7:5 and consumed by 'drop' inside it"),

("break_leaks", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    var i = 0;
    while i < 3 {
        let c = copy p;
        if i == 1 {
            drop c;
            break;
        }
        drop c;
        i = i + 1;
    }
    drop p;
}
""", ("""            drop c;
            break;""", """            break;"""), "pack 'c' (declared at 8:9) is never consumed: it leaks at this 'break'"),

("return_leaks", """
fun f(b: Bool) {
    let p = region q {
        pack{r} new[q] "a"
    };
    if b {
        drop p;
        return;
    }
    drop p;
}

fun main() {
    f(true);
}
""", ("""        drop p;
        return;""", """        return;"""), "pack 'p' (declared at 3:5) is never consumed: it leaks at this 'return'"),

("borrowed_never_consumed", """
fun f(t: &Pack{r} String) {
    let c = copy t;
    drop c;
}

fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    f(p);
    drop p;
}
""", ("""    let c = copy t;
    drop c;""", "    drop t;"), "a borrowed pack cannot be consumed by 'drop': copy it first"),

("copy_is_explicit_for_fields", BOX + """
fun main() {
    let b = region q {
        let inner = region r {
            pack{r} new[r] "a"
        };
        pack{r} new[q] Box(inner)
    };
    let b2 = unpack b as s, x {
        region q2 {
            pack{r} new[q2] Box(copy x.inner)
        }
    };
    drop b;
    drop b2;
}
""", ("Box(copy x.inner)", "Box(x.inner)"), "a borrowed pack cannot be consumed by 'new Box': copy it first"),

("container_pack_only_copied", """
fun main() {
    region q {
        let p = region r {
            pack{r} new[r] "a"
        };
        let xs = new[q] Array (Pack{r} String) [p];
        let e = copy xs[0]@7:27;
        drop e;
    };
}
""", ("copy xs[0]@7:27", "xs[0]@7:27"), "a pack read from a container slot can only be copied"),

("element_unpack_writes_nothing_older", """
fun main() {
    region q {
        let p = region r {
            pack{r} new[r] "a"
        };
        let ys = new[q] Array S64 [0];
        let xs = new[q] Array (Pack{r} String) [p];
        unpack xs[0]@9:16 as s, x {
            print(x, ys[0]@10:22);
            region r2 {
                let zs = new[r2] Array S64 [0];
                zs[0]@13:17 = 1;
            };
        };
    };
}
""", ("zs[0]@13:17 = 1", "ys[0]@13:17 = 1"), "nothing may write but into a region opened inside the 'unpack' of an array element at 9:9"),

("element_unpack_merged_region_is_older", """
fun main() {
    region q {
        let p = region r {
            pack{r} new[r] "a"
        };
        let xs = new[q] Array (Pack{r} String) [p];
        unpack xs[0]@8:16 as s, x {
            region r2 {
                let zs = new[r2] Array S64 [0];
                zs[0]@11:17 = 1;
            };
        };
    };
}
""", ("zs[0]@11:17 = 1;", "merge r2 into q; zs[0]@11:34 = 1;"), "needs capability 'w' on region 'q', and nothing may write but into a region opened inside"),

("element_unpack_calls_no_writer", """
fun first(g: &Pack{r} (Array S64)): S64 {
    return unpack g as s, x {
        x[0]@3:11
    };
}

fun main() {
    let g = region q {
        pack{rwa} new[q] Array S64 [7]
    };
    region q2 {
        let p = region r {
            pack{r} new[r] "a"
        };
        let xs = new[q2] Array (Pack{r} String) [p];
        unpack xs[0]@17:16 as s, x {
            print(x, first(g)@18:22);
        };
    };
    drop g;
}
""", ("g: &Pack{r} (Array S64)", "g: &Pack{rw} (Array S64)"), "argument 'g' of 'first' leads to a pack holding 'w'"),

("element_unpack_not_a_map_value", """
fun main() {
    region q {
        let p = region r {
            pack{r} new[r] "a"
        };
        let m = new[q] Map S64 (Pack{r} String);
        insert(m, 1, p);
        unpack copy m[1]@9:21 as s, x {
            print(x);
        };
    };
}
""", ("unpack copy m[1]@9:21", "unpack m[1]@9:21"), "a map value can only be copied, not unpacked in place"),

("unpacked_place_not_consumed_by_a_loop_body", """
fun main() {
    var p = region q {
        pack{rwa} new[q] Array S64 [1]
    };
    unpack p as s, x {
        var i = 0;
        while i < len(x) {
            i = i + 1;
            print(i);
        }
        drop p;
        p = region q2 {
            pack{rwa} new[q2] Array S64 []
        };
    };
    drop p;
}
""", ("""            print(i);
        }
        drop p;
        p = region q2 {
            pack{rwa} new[q2] Array S64 []
        };""", """            print(i);
            drop p;
            p = region q2 {
                pack{rwa} new[q2] Array S64 []
            };
        }"""), "'x' is read through a pack consumed here, inside the loop at 8:9: the next iteration may read through it again"),

("unpacked_place_consumed_then_read", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    unpack p as s, x {
        print(x);
        drop p;
    };
}
""", ("""        print(x);
        drop p;""", """        drop p;
        print(x);"""), "'x' is read through a pack consumed at 7:14: it may be freed"),

("unpacked_place_consumed_then_field_read", """
data Box = Box(Pack{r} String)

fun main() {
    let p = region q {
        pack{r} new[q] Box(pack{r} new[P] "a")
    };
    unpack p as s, x {
        match x {
            Box(f) => {
                let c = copy f;
                drop p;
                drop c;
            }
        }
    };
}
""", ("""                let c = copy f;
                drop p;""", """                drop p;
                let c = copy f;"""), "'f' is read through a pack consumed at 11:22: it may be freed"),

("unpacked_place_consumed_then_region_used", """
fun look[s: r](x: String @s) {
    print(x);
}

fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    unpack p as s, x {
        let y = new[P] "b";
        look[s](y);
        drop p;
    };
}
""", ("""        look[s](y);
        drop p;""", """        drop p;
        look[s](y);"""), "region 's' was unpacked from a pack consumed at 12:14: it may be freed"),

("static_object_of_literals_only", """
data E = Num(S64) | Neg(Pack{r} E)

fun main() {
    let n = 3;
    let e = pack{r} new[P] Num(3);
    drop e;
}
""", ("new[P] Num(3)", "new[P] Num(n)"), "a static object is a constructor without fields or of literals only"),

("unpacked_place_lent_and_consumed_in_one_call", """
fun both(a: &Pack{r} String, b: Pack{r} String) {
    drop b;
}

fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    unpack p as s, x {
        print(x);
        both(p, copy p);
        drop p;
    };
}
""", ("""        both(p, copy p);
        drop p;""", "        both(p, p);"), "pack 'p' cannot be consumed by the call to 'both': it is borrowed at 10:5 meanwhile"),

("lent_and_consumed_in_one_call", """
fun both(a: &Pack{r} String, b: Pack{r} String) {
    drop b;
}

fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    both(p, copy p);
    drop p;
}
""", ("""    both(p, copy p);
    drop p;""", "    both(p, p);"), "pack 'p' cannot be consumed by the call to 'both': it is borrowed at 10:10 meanwhile"),

("owned_pack_not_discarded", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    drop copy p;
    drop p;
}
""", ("drop copy p;", "copy p;"), "an owned pack is discarded here: 'drop' it"),

("var_overwritten_while_owned", """
fun main() {
    var p = region q {
        pack{r} new[q] "a"
    };
    drop p;
    p = region q {
        pack{r} new[q] "b"
    };
    drop p;
}
""", ("    drop p;\n    p =", "    p ="), "pack 'p' is overwritten while still owned: consume it first"),

("owned_param_consumed", """
fun eat(p: Pack{r} String) {
    drop p;
}

fun main() {
    eat(region q {
        pack{r} new[q] "a"
    });
}
""", ("    drop p;\n", ""), "owned pack parameter 'p' is never consumed"),

("borrowed_let_of_owned", """
fun main() {
    let p = region q {
        pack{r} new[q] "a"
    };
    let b = copy p;
    drop b;
    drop p;
}
""", ("let b = copy p;\n    drop b;", "let b: &Pack{r} String = p;"), "'b' cannot borrow the owned pack 'p'"),

("operator_types", """
fun main() {
    print(1 + 2);
}
""", ("1 + 2", "1 + 2.0"), "operator '+' does not apply to 'S64' and 'F64'"),

("no_modulo_on_f64", """
fun main() {
    print(1.0 * 2.0);
}
""", ("1.0 * 2.0", "1.0 % 2.0"), "operator '%' does not apply to 'F64' and 'F64'"),

("call_argument_type", """
fun twice(n: S64): S64 {
    n * 2
}

fun main() {
    print(twice(2));
}
""", ("twice(2)", "twice(true)"), "argument 'n' of 'twice' has type 'Bool', but 'S64' is expected"),

("unknown_field", """
data P = P(x: S64, y: S64)

fun main() {
    region q {
        let p = new[q] P(1, 2);
        print(p.x);
    };
}
""", ("p.x", "p.z"), "constructor 'P' of 'P' has no field 'z'"),

("match_exhaustive", """
data T = A | B(S64) | C

fun main() {
    region q {
        let t = new[q] B(3);
        match t {
            A => {
                print(0);
            }
            B(n) => {
                print(n);
            }
            _ => {
                print(2);
            }
        }
    };
}
""", ("""            _ => {
                print(2);
            }
""", ""), "this 'match' on 'T @q' is not exhaustive"),

("match_nested_exhaustive", """
data L = Nil | Cons(S64, L)

fun main() {
    region q {
        let l = new[q] Cons(1, new[q] Nil);
        match l {
            Cons(x, Cons(y, _)) => {
                print(x, y);
            }
            Cons(x, Nil) => {
                print(x);
            }
            Nil => {
                print(0);
            }
        }
    };
}
""", ("""            Cons(x, Nil) => {
                print(x);
            }
""", ""), "this 'match' on 'L @q' is not exhaustive"),

("pattern_of_other_type", """
data T = A | B
data U = X | Y

fun main() {
    region q {
        let t = new[q] A;
        match t {
            A => {
                print(1);
            }
            B => {
                print(2);
            }
        }
    };
}
""", ("            B => {", "            Y => {"), "constructor 'Y' of 'U' cannot match a 'T @q'"),

("missing_return", """
fun sign(n: S64): S64 {
    if n < 0 {
        return -1;
    }
    return 1;
}

fun main() {
    print(sign(3));
}
""", ("    return 1;\n", ""), "'sign' can reach the end of its body"),

("let_is_not_assignable", """
fun main() {
    var n = 1;
    n = 2;
    print(n);
}
""", ("var n = 1;", "let n = 1;"), "'n' is not a 'var': it cannot be assigned"),

("pack_field_pattern_is_a_variable", BOX + """
fun main() {
    let b = region q {
        let inner = region r {
            pack{r} new[r] "a"
        };
        pack{r} new[q] Box(inner)
    };
    unpack b as s, x {
        match x {
            Box(i) => {
                print(1);
            }
        }
    };
    drop b;
}
""", ("Box(i) =>", 'Box("a") =>'), "a pack field can only be matched by '_' or a variable"),

("string_keys_stay_in_the_map_region", """
fun main() {
    region q {
        let m = new[q] Map String S64;
        insert(m, new[q] "k", 1);
        let ks = keys[q](m);
        print(len(ks));
    };
}
""", ("let ks = keys[q](m);", "let ks = region o {\n            len(keys[o](m))\n        };"), "'keys' of String keys must go to the map's region 'q'"),

("merge_into_enclosing_only", """
fun main() {
    region q {
        region r {
            let s = new[r] "a";
            merge r into q;
            print(s);
        };
    };
}
""", ("merge r into q;", "merge q into r;"), "region 'r' does not outlive region 'q'"),

("merge_twice_in_loop", """
fun main() {
    region q {
        region r {
            var i = 0;
            while i < 2 {
                i = i + 1;
            }
            merge r into q;
        };
    };
}
""", ("""                i = i + 1;
            }
            merge r into q;""", """                i = i + 1;
                merge r into q;
            }"""), "region 'r' is opened before the loop at 6:13 and merged inside it"),

("merged_region_holds_no_a", """
fun main() {
    region q {
        region r {
            let s = new[r] "a";
            merge r into q;
            print(s);
        };
    };
}
""", ("            print(s);", "            print(new[r] \"b\");"), "needs capability 'a' on region 'r', which holds {rw} here (merged at 6:13)"),

("merge_aliases_regions", """
fun main() {
    region q {
        let xs = new[q] Array (Array S64) [];
        region r {
            let row = new[r] Array S64 [1];
            merge r into q;
            push(xs, row);
        };
        print(len(xs));
    };
}
""", ("            merge r into q;\n", ""), "the pushed value has type 'Array S64 @r', but 'Array S64 @q' is expected"),

("main_signature", """
fun main(args: Pack{r} (Array String)) {
    drop args;
}
""", ("Pack{r} (Array String)", "Pack{r} (Array S64)"), "'main' takes no parameter or one"),

("declared_twice_in_block", """
fun main() {
    let a = 1;
    let b = 2;
    print(a, b);
}
""", ("let b = 2;\n    print(a, b);", "let a = 2;\n    print(a);"), "'a' is declared twice in one block"),
("match_reset_token_is_consumed", """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun inc(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w {
        Leaf => {
            drop w;
            return pack{r} new[P] Leaf;
        }
        Node(l, v, r) => {
            let l2 = inc(l)@1:1;
            return reuse{r} w Node(l2, v + 1, r);
        }
    }
}

fun main() {
    drop inc(pack{r} new[P] Leaf)@2:2;
}
""", ("            drop w;\n", ""), "pack 'w' (declared at 6:9) is never consumed"),

("match_reset_fields_are_owned", """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun inc(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w {
        Leaf => {
            drop w;
            return pack{r} new[P] Leaf;
        }
        Node(l, v, r) => {
            let l2 = inc(l)@1:1;
            return reuse{r} w Node(l2, v + 1, r);
        }
    }
}

fun main() {
    drop inc(pack{r} new[P] Leaf)@2:2;
}
""", ("Node(l2, v + 1, r)", "Node(l2, v + 1, copy r)"), "pack 'r' (declared at 10:20) is never consumed"),

("match_reset_consumes_its_pack", """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun inc(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w {
        Leaf => {
            drop w;
            return pack{r} new[P] Leaf;
        }
        Node(l, v, r) => {
            let l2 = inc(l)@1:1;
            return reuse{r} w Node(l2, v + 1, r);
        }
    }
}

fun main() {
    drop inc(pack{r} new[P] Leaf)@2:2;
}
""", ("t: Pack{r} Tree): Pack", "t: &Pack{r} Tree): Pack"), "a borrowed pack cannot be consumed by 'match reset'"),

("reuse_fills_a_cell_of_its_size", """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun inc(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w {
        Leaf => {
            drop w;
            return pack{r} new[P] Leaf;
        }
        Node(l, v, r) => {
            let l2 = inc(l)@1:1;
            return reuse{r} w Node(l2, v + 1, r);
        }
    }
}

fun main() {
    drop inc(pack{r} new[P] Leaf)@2:2;
}
""", ("return reuse{r} w Node(l2, v + 1, r);", "return reuse{r} w Leaf();"), "'reuse' makes 'Leaf' (0 bytes) in the place of 'Node' (40 bytes)"),

("reuse_needs_a_token", """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun inc(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w {
        Leaf => {
            drop w;
            return pack{r} new[P] Leaf;
        }
        Node(l, v, r) => {
            let l2 = inc(l)@1:1;
            return reuse{r} w Node(l2, v + 1, r);
        }
    }
}

fun main() {
    drop inc(pack{r} new[P] Leaf)@2:2;
}
""", ("return reuse{r} w Node(l2", "return reuse{r} l2 Node(l2"), "'reuse' needs the reuse token of an enclosing 'match reset' arm"),

("reuse_token_only_reuse_or_drop", """
data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)

fun inc(t: Pack{r} Tree): Pack{r} Tree {
    match reset t as w {
        Leaf => {
            drop w;
            return pack{r} new[P] Leaf;
        }
        Node(l, v, r) => {
            let l2 = inc(l)@1:1;
            return reuse{r} w Node(l2, v + 1, r);
        }
    }
}

fun main() {
    drop inc(pack{r} new[P] Leaf)@2:2;
}
""", ("            drop w;\n", "            let w2 = w;\n            drop w2;\n"), "reuse token 'w' can only be consumed by 'reuse' or 'drop'"),

# REBUILT_CELL: the rebuild consumes the fields and the token.
("rebuilt_cell_takes_its_fields", REBUILT_CELL, ("                    let l2 = reuse{r} w2 Node(a, x, b);\n",
      "                    let l2 = reuse{r} w2 Node(a, x, b);\n                    drop a;\n"),
 "pack 'a' is consumed twice (first by 'reuse Node' at 9:47)"),

("rebuilt_cell_takes_its_token", REBUILT_CELL, ("return reuse{r} w1 Node(l2, y, c);", "return reuse{r} w2 Node(l2, y, c);"),
 "pack 'w2' is consumed twice (first by 'reuse' at 9:30)"),
]

# Where the first diagnostic of each rejected program points.
POSITIONS = {
    "unpacked_place_not_consumed_by_a_loop_body": "11:18",
    "element_unpack_writes_nothing_older": "13:17",
    "element_unpack_merged_region_is_older": "11:34",
    "element_unpack_calls_no_writer": "18:28",
    "element_unpack_not_a_map_value": "9:16",
    "match_reset_token_is_consumed": "7:13",
    "match_reset_fields_are_owned": "12:13",
    "match_reset_consumes_its_pack": "5:17",
    "reuse_fills_a_cell_of_its_size": "12:20",
    "reuse_needs_a_token": "12:20",
    "reuse_token_only_reuse_or_drop": "7:22",
    "rebuilt_cell_takes_its_fields": "10:26",
    "rebuilt_cell_takes_its_token": "10:28",
    "alloc_needs_a_restricted": "5:21",
    "borrowed_let_of_owned": "6:30",
    "borrowed_never_consumed": "3:10",
    "break_leaks": "10:13",
    "call_argument_type": "7:17",
    "call_region_argument_caps": "10:13",
    "consumed_twice": "8:10",
    "container_pack_only_copied": "8:17",
    "copy_is_explicit_for_fields": "12:33",
    "declared_twice_in_block": "4:5",
    "escape_assignment_to_outer_var": "7:17",
    "escape_borrowed_field": "11:9",
    "escape_region_block_value": "4:9",
    "escape_unpack_value": "7:9",
    "if_branches_disagree": "6:5",
    "lent_and_consumed_in_one_call": "10:13",
    "static_object_of_literals_only": "6:21",
    "unpacked_place_consumed_then_read": "8:15",
    "unpacked_place_consumed_then_field_read": "12:30",
    "unpacked_place_consumed_then_region_used": "13:9",
    "unpacked_place_lent_and_consumed_in_one_call": "12:17",
    "let_is_not_assignable": "4:5",
    "loop_consumes_outer_pack": "8:17",
    "loop_reestablished_is_fine": "8:14",
    "main_signature": "2:1",
    "match_exhaustive": "7:9",
    "match_nested_exhaustive": "7:9",
    "merge_aliases_regions": "7:22",
    "merge_into_enclosing_only": "6:13",
    "merge_twice_in_loop": "6:13",
    "merged_region_holds_no_a": "7:19",
    "missing_return": "2:23",
    "never_consumed": "3:5",
    "no_modulo_on_f64": "3:11",
    "operator_types": "3:11",
    "owned_pack_not_discarded": "6:5",
    "owned_param_consumed": "2:9",
    "pack_caps_at_most_held": "4:17",
    "pack_field_pattern_is_a_variable": "12:17",
    "pattern_of_other_type": "12:13",
    "push_needs_a": "3:5",
    "read_only_packs_are_covariant": "12:17",
    "read_needs_r": "3:11",
    "region_out_of_scope": "4:17",
    "restrict_only_weakens": "4:9",
    "return_leaks": "7:9",
    "string_keys_stay_in_the_map_region": "7:17",
    "unknown_field": "7:15",
    "used_after_consumed": "7:12",
    "var_overwritten_while_owned": "6:5",
    "write_needs_w": "3:5"
}


def _first_error(source: str):
    try:
        check(parse(Source("case.lo", source)))
    except CompileError as error:
        return error.diagnostics[0]
    return None


@pytest.mark.parametrize("name,good,edit,fragment", CASES, ids=[c[0] for c in CASES])
def test_accepts_the_good_program(name, good, edit, fragment):
    first = _first_error(good)
    assert first is None, f"{first.span}: {first.message}"


@pytest.mark.parametrize("name,good,edit,fragment", CASES, ids=[c[0] for c in CASES])
def test_rejects_the_bad_program(name, good, edit, fragment):
    old, new = edit
    assert old in good
    first = _first_error(good.replace(old, new, 1))
    assert first is not None, "accepted"
    assert fragment in first.message
    assert "rule" in first.message or name == "main_signature"
    assert f"{first.span.line}:{first.span.col}" == POSITIONS[name]


def test_there_is_a_pair_for_every_rule():
    rules = {"scope", "capability", "escape", "linearity", "type", "merge", "read-only"}
    seen = set()
    for name, good, (old, new), fragment in CASES:
        first = _first_error(good.replace(old, new, 1))
        seen |= {rule for rule in rules if f"({rule} rule)" in first.message}
    assert seen == rules
    assert len(CASES) >= 30


def test_one_error_per_function_is_reported():
    source = """
fun f() {
    print(1 + true);
}

fun g() {
    region r {
        print(new[q] "a");
    };
}

fun main() {
    f();
    g();
}
"""
    with pytest.raises(CompileError) as caught:
        check(parse(Source("two.lo", source)))
    spans = [str(d.span) for d in caught.value.diagnostics]
    assert spans == ["3:11", "8:15"]


@pytest.mark.parametrize("path", sorted(PROGRAMS.glob("*.lo")), ids=lambda p: p.stem)
def test_hand_written_programs_are_accepted(path):
    check(parse(Source(str(path), path.read_text())))
