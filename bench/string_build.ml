(* string_build.ml: string building and parsing, batch by batch, in OCaml
   (a generational GC).

   Each of N rows becomes a CSV line "id,name,qty,price" (e.g. "17,kalomi,
   302,815.07"), built with ^ and string_of_int; the name is glued together
   from random syllables. The lines of a batch (200 rows) are kept in an
   array, the batch's document, then parsed back: the bytes are scanned,
   split at commas, digits accumulated into numbers (the qty is cut out with
   String.sub and read with int_of_string). Each parsed row appends to a
   report Buffer that restarts per batch. Same algorithm and output as
   bench/string_build.hi.

   For the GC: the pieces of each line die young (minor heap); the batch's
   lines may be promoted before the batch ends, and die with it.

   Build: ocamlopt -o string_build string_build.ml
   Usage: string_build [N]     (N rows, default 1000) *)

let batch_size = 200
let m = 1000003
let syllables = [| "ka"; "lo"; "mi"; "ne"; "ru"; "sa"; "to"; "vi" |]

type parsed = { id : int; name_hash : int; qty : int; cents : int }

(* A Lehmer generator (MINSTD). *)
let rng = ref 42

let rand_below k =
  rng := !rng * 48271 mod 2147483647;
  !rng mod k

let make_name () =
  let name = ref "" in
  for _ = 1 to 1 + rand_below 3 do
    name := !name ^ syllables.(rand_below (Array.length syllables))
  done;
  !name

(* 81507 cents -> "815.07" *)
let price cents =
  let c = cents mod 100 in
  string_of_int (cents / 100) ^ (if c < 10 then ".0" else ".") ^ string_of_int c

let make_line id name qty cents =
  string_of_int id ^ "," ^ name ^ "," ^ string_of_int qty ^ "," ^ price cents

(* Scan one line: the id and the price (dot skipped) by accumulating digits,
   the name by hashing its bytes, the qty by cutting out its text. *)
let parse_line line =
  let field = ref 0 and id = ref 0 and h = ref 7 and cents = ref 0 in
  let qstart = ref 0 and qlen = ref 0 in
  for i = 0 to String.length line - 1 do
    let c = Char.code line.[i] in
    if c = 44 then begin
      incr field;
      if !field = 2 then qstart := i + 1
    end
    else if !field = 0 then id := !id * 10 + (c - 48)
    else if !field = 1 then h := (!h * 31 + c) mod m
    else if !field = 2 then incr qlen
    else if c <> 46 then cents := !cents * 10 + (c - 48)
  done;
  { id = !id; name_hash = !h; qty = int_of_string (String.sub line !qstart !qlen); cents = !cents }

let byte_hash s =
  let h = ref 0 in
  String.iter (fun c -> h := (!h * 31 + Char.code c) mod m) s;
  !h

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1000 in
  let batches = if n > 0 then (n + batch_size - 1) / batch_size else 0 in
  let stride = (batches + 19) / 20 in
  let rows = ref 0 and bytes = ref 0 and sum = ref 0 and names = ref 0 in
  let dups = ref 0 and bad = ref 0 in
  let report = Buffer.create 4096 in
  for b = 0 to batches - 1 do
    (* Build the batch's document. *)
    let count = min batch_size (n - !rows) in
    let prev = ref "" in
    let lines =
      Array.init count (fun _ ->
          let name = make_name () in
          if name = !prev then incr dups;
          prev := name;
          let qty = rand_below 1000 in
          let cents = rand_below 100000 in
          let line = make_line !rows name qty cents in
          incr rows;
          line)
    in
    (* Parse it back; the report grows by one entry per row. *)
    Buffer.clear report;
    let expect = ref (!rows - count) in
    Array.iter
      (fun line ->
        let p = parse_line line in
        if p.id <> !expect then incr bad;
        incr expect;
        bytes := !bytes + String.length line;
        sum := (!sum + p.id + p.qty + p.cents) mod m;
        names := (!names * 131 + p.name_hash) mod m;
        Buffer.add_string report (string_of_int p.id);
        Buffer.add_char report ':';
        Buffer.add_string report (string_of_int (p.qty * p.cents mod m));
        Buffer.add_char report ';')
      lines;
    if (b + 1) mod stride = 0 || b = batches - 1 then
      Printf.printf "batch %d rows %d bytes %d sum %d names %d report %d %d\n" (b + 1) !rows
        !bytes !sum !names (Buffer.length report) (byte_hash (Buffer.contents report))
  done;
  Printf.printf "total rows %d bytes %d dups %d bad %d\n" !rows !bytes !dups !bad
