(* binary_trees.ml: the Benchmarks Game "binary-trees" in OCaml (a
   generational GC). Same output as bench/binary_trees.hi.

   Build: ocamlopt -o binary_trees_ml binary_trees.ml
          (add -O3 with a flambda compiler)
   Usage: binary_trees_ml [max_depth]   (default 10) *)

type tree = Empty | Node of tree * tree

let rec bottom_up depth =
  if depth <= 0 then Node (Empty, Empty)
  else Node (bottom_up (depth - 1), bottom_up (depth - 1))

let rec check = function
  | Empty -> 0
  | Node (l, r) -> 1 + check l + check r

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 10 in
  let min_depth = 4 in
  let max_depth = max (min_depth + 2) n in
  let stretch_depth = max_depth + 1 in
  Printf.printf "stretch tree of depth %d\t check: %d\n" stretch_depth
    (check (bottom_up stretch_depth));
  let long_lived = bottom_up max_depth in
  let depth = ref min_depth in
  while !depth <= max_depth do
    let iterations = 1 lsl (max_depth - !depth + min_depth) in
    let total = ref 0 in
    for _i = 1 to iterations do
      total := !total + check (bottom_up !depth)
    done;
    Printf.printf "%d\t trees of depth %d\t check: %d\n" iterations !depth !total;
    depth := !depth + 2
  done;
  Printf.printf "long lived tree of depth %d\t check: %d\n" max_depth (check long_lived)
