(* hash_maps.ml: hash-map churn with both key types, in OCaml (stdlib
   Hashtbl, generational GC). Same output as bench/hash_maps.hi for the same n.

   Ten rounds. Each round fills a short-lived int -> int table with
   pseudo-random keys (hits, misses, overwrites), looks keys up, removes some
   by key and some while iterating, re-inserts, and sums the values by
   iteration; then it builds a short-lived string -> int word-frequency table
   from words made with string_of_int and (^), looks words up and prunes it.
   Both per-round tables (and most of the words) die young, in the minor
   heap or soon after. Two tables live across all the rounds: [acc] (int
   keys) and [vocab] (string keys), which keep some words from every round.
   A Park-Miller generator (seed 42) makes every run, in every language, alike.

   Build: ocamlopt -o hash_maps_ml hash_maps.ml
   Usage: hash_maps_ml [n]     (default 100; n is the work per round) *)

module IntTbl = Hashtbl.Make (struct
  type t = int
  let equal (a : int) b = a = b
  let hash = Hashtbl.hash
end)

module StrTbl = Hashtbl.Make (struct
  type t = string
  let equal (a : string) b = a = b
  let hash = Hashtbl.hash
end)

let modulus = 1000003

let rng = ref 42
let next_rand () =
  rng := !rng * 48271 mod 2147483647;
  !rng

let get_or_zero find tbl k = match find tbl k with Some v -> v | None -> 0

(* Add v to the value under k (a missing key counts as 0), modulo 1000003. *)
let bump_int tbl k v = IntTbl.replace tbl k ((get_or_zero IntTbl.find_opt tbl k + v) mod modulus)
let bump_str tbl k v = StrTbl.replace tbl k ((get_or_zero StrTbl.find_opt tbl k + v) mod modulus)

(* Order-independent checksums: the sum of the values, and a weighted sum. *)
let sums iter weight tbl =
  let sum = ref 0 and weigh = ref 0 in
  iter (fun k v ->
      sum := (!sum + v) mod modulus;
      weigh := (!weigh + weight k * v) mod modulus)
    tbl;
  (!sum, !weigh)

let sums_int = sums IntTbl.iter (fun k -> k mod 1000 + 1)
let sums_str = sums StrTbl.iter String.length

let word a b = "w" ^ string_of_int a ^ "." ^ string_of_int b

let int_round round n acc =
  let scratch = IntTbl.create 16 in
  for _i = 1 to n do
    let k = next_rand () mod (2 * n) in
    bump_int scratch k (next_rand () mod modulus)
  done;
  let hits = ref 0 and hit_sum = ref 0 and removed = ref 0 in
  for _i = 1 to n do
    match IntTbl.find_opt scratch (next_rand () mod (3 * n)) with
    | Some v -> incr hits; hit_sum := (!hit_sum + v) mod modulus
    | None -> ()
  done;
  for _i = 1 to n / 2 do
    let k = next_rand () mod (2 * n) in
    if IntTbl.mem scratch k then (IntTbl.remove scratch k; incr removed)
  done;
  IntTbl.filter_map_inplace
    (fun _ v -> if v mod 7 = round mod 7 then (incr removed; None) else Some v)
    scratch;
  for _i = 1 to n / 2 do
    let k = next_rand () mod (2 * n) in
    IntTbl.replace scratch k (next_rand () mod modulus)
  done;
  IntTbl.iter (fun k v -> if v mod 4 = 0 then bump_int acc k v) scratch;
  for _i = 1 to n / 8 do IntTbl.remove acc (next_rand () mod (2 * n)) done;
  let sum, weigh = sums_int scratch in
  Printf.printf "ints %d %d %d %d %d %d %d %d\n" round (IntTbl.length scratch) !hits !hit_sum
    !removed sum weigh (IntTbl.length acc)

let word_round round n vocab =
  let spread = n / 64 + 1 in
  let freq = StrTbl.create 16 in
  for _i = 1 to n do
    let a = next_rand () mod 16 in
    bump_str freq (word a (next_rand () mod spread)) 1
  done;
  let distinct = StrTbl.length freq in
  let hits = ref 0 and hit_sum = ref 0 and removed = ref 0 in
  for _i = 1 to n / 2 do
    let a = next_rand () mod 32 in
    match StrTbl.find_opt freq (word a (next_rand () mod spread)) with
    | Some c -> incr hits; hit_sum := !hit_sum + c
    | None -> ()
  done;
  StrTbl.filter_map_inplace (fun _ c -> if c <= 2 then (incr removed; None) else Some c) freq;
  StrTbl.iter (fun w c -> if c >= 6 then bump_str vocab w c) freq;
  for _i = 1 to n / 32 do
    let a = next_rand () mod 16 in
    StrTbl.remove vocab (word a (next_rand () mod spread))
  done;
  let sum, weigh = sums_str freq in
  Printf.printf "words %d %d %d %d %d %d %d %d %d\n" round distinct !hits !hit_sum !removed
    (StrTbl.length freq) sum weigh (StrTbl.length vocab)

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 100 in
  let acc = IntTbl.create 16 and vocab = StrTbl.create 16 in
  for round = 0 to 9 do
    int_round round n acc;
    word_round round n vocab
  done;
  let sum, weigh = sums_int acc in
  Printf.printf "acc %d %d %d\n" (IntTbl.length acc) sum weigh;
  let sum, weigh = sums_str vocab in
  Printf.printf "vocab %d %d %d\n" (StrTbl.length vocab) sum weigh
