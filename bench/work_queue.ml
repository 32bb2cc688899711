(* work_queue.ml: a task scheduler whose tasks live for unpredictable times,
   in OCaml (a generational GC). Same output as bench/work_queue.hi.

   Each phase feeds N root tasks, one per step (while fewer than 1000 are
   live), into a FIFO queue. A split task either waits (it goes to the back
   of the queue, as a new record sharing its payload list, up to three
   times), splits its payload list in two children (the second shares the
   parent's tail), or becomes a leaf that waits in a timer heap until a
   random due step, where it may be postponed again. A completed leaf adds
   its value to a per-root total in a table that lives to the end; a
   per-phase table counts each root's outstanding tasks, and its entry is
   removed when the root is done. Tasks, payloads and table entries die in
   no LIFO order: the hard case for regions, routine for a GC.

   Build: ocamlopt -o work_queue work_queue.ml
   Usage: work_queue [N]     (N root tasks per phase, default 8) *)

let modulus = 1000003

type task =
  | Split of { id : int; root : int; depth : int; wait : int; payload : int list }
  | Leaf of { id : int; root : int; due : int; tries : int; value : int }

(* An LCG; results in 0..n-1. *)
let seed = ref 42
let rand n =
  seed := (!seed * 1103515245 + 12345) mod 2147483648;
  !seed / 65536 mod n

let random_list n =
  let rec build acc i = if i = 0 then acc else build (rand 10000 :: acc) (i - 1) in
  build [] n

let rec take l n = match l with [] -> [] | h :: t -> if n <= 0 then [] else h :: take t (n - 1)
let rec drop l n = match l with [] -> [] | _ :: t -> if n <= 0 then l else drop t (n - 1)
let rec digest = function [] -> 7 | h :: t -> (digest t * 31 + h) mod modulus

(* How many times a new split task will be pushed back before it runs. *)
let waits odds = if rand odds = 0 then 1 + rand 3 else 0

(* The timer heap: a binary min-heap of leaves ordered by (due, id). *)
type heap = { mutable a : task array; mutable n : int }

let before x y =
  match x, y with
  | Leaf x, Leaf y -> x.due < y.due || (x.due = y.due && x.id < y.id)
  | _ -> invalid_arg "before"

let due_of = function Leaf l -> l.due | Split _ -> invalid_arg "due_of"

let heap_push h t =
  if h.n = Array.length h.a then begin
    let a = Array.make (max 64 (2 * h.n)) t in
    Array.blit h.a 0 a 0 h.n;
    h.a <- a
  end;
  let i = ref h.n in
  h.n <- h.n + 1;
  while !i > 0 && before t h.a.((!i - 1) / 2) do
    h.a.(!i) <- h.a.((!i - 1) / 2);
    i := (!i - 1) / 2
  done;
  h.a.(!i) <- t

let heap_pop h =
  let top = h.a.(0) in
  h.n <- h.n - 1;
  let last = h.a.(h.n) in
  let rec sift i =
    let m = 2 * i + 1 in
    let m = if m + 1 < h.n && before h.a.(m + 1) h.a.(m) then m + 1 else m in
    if m < h.n && before h.a.(m) last then begin h.a.(i) <- h.a.(m); sift m end
    else h.a.(i) <- last
  in
  if h.n > 0 then sift 0;
  top

let add_to tbl k by =
  match Hashtbl.find_opt tbl k with
  | Some v -> Hashtbl.replace tbl k ((v + by) mod modulus)
  | None -> Hashtbl.replace tbl k by

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 8 in
  let totals = Hashtbl.create 64 in        (* per root: sum of its leaves' values *)
  let next_id = ref 0 and next_root = ref 0 and step = ref 0 in
  for phase = 0 to 3 do
    let max_depth = 2 + phase and odds = 5 - phase in   (* 1 in odds tasks waits *)
    let queue = Queue.create () and timers = { a = [||]; n = 0 } in
    let pending = Hashtbl.create 64 in     (* per root: tasks not yet done *)
    let seeded = ref 0 and splits = ref 0 and leaves = ref 0 and waited = ref 0 in
    let done_ = ref 0 and peak = ref 0 and check = ref 0 in
    while !seeded < n || not (Queue.is_empty queue) || timers.n > 0 do
      incr step;
      if !seeded < n && Queue.length queue + timers.n < 1000 then begin
        let size = 4 + rand 29 in
        let wait = waits odds in
        Queue.add (Split { id = !next_id; root = !next_root; depth = max_depth; wait;
                           payload = random_list size }) queue;
        Hashtbl.replace pending !next_root 1;
        incr next_id; incr next_root; incr seeded
      end;
      for _ = 1 to 2 do
        match Queue.take_opt queue with
        | Some (Split s) ->
          let size = List.length s.payload in
          if s.wait > 0 then begin
            Queue.add (Split { s with wait = s.wait - 1 }) queue;
            incr waited
          end else if s.depth > 0 && size >= 2 then begin
            let lw = waits odds in
            let rw = waits odds in
            Queue.add (Split { id = !next_id; root = s.root; depth = s.depth - 1; wait = lw;
                               payload = take s.payload (size / 2) }) queue;
            Queue.add (Split { id = !next_id + 1; root = s.root; depth = s.depth - 1; wait = rw;
                               payload = drop s.payload (size / 2) }) queue;
            next_id := !next_id + 2;
            add_to pending s.root 1;
            incr splits
          end else begin
            let due = !step + 1 + rand 64 in
            heap_push timers (Leaf { id = s.id; root = s.root; due; tries = 0;
                                     value = digest s.payload });
            incr leaves
          end
        | Some (Leaf _) | None -> ()
      done;
      while timers.n > 0 && due_of timers.a.(0) <= !step do
        match heap_pop timers with
        | Leaf l ->
          if l.tries < 3 && rand odds = 0 then begin
            let due = !step + 1 + rand 64 in
            heap_push timers (Leaf { l with due; tries = l.tries + 1;
                                            value = (l.value * 7 + l.tries) mod modulus });
            incr waited
          end else begin
            add_to totals l.root l.value;
            let c = Hashtbl.find pending l.root in
            if c = 1 then begin
              Hashtbl.remove pending l.root;
              incr done_;
              check := (!check + (l.root mod 1000) * Hashtbl.find totals l.root + !step) mod modulus
            end else Hashtbl.replace pending l.root (c - 1)
          end
        | Split _ -> ()
      done;
      peak := max !peak (Queue.length queue + timers.n)
    done;
    Printf.printf "phase %d roots %d splits %d leaves %d waits %d peak %d steps %d check %d\n"
      phase !done_ !splits !leaves !waited !peak !step !check
  done;
  let sum = ref 0 and weighted = ref 0 in
  for r = 0 to !next_root - 1 do
    match Hashtbl.find_opt totals r with
    | Some v -> sum := (!sum + v) mod modulus; weighted := (!weighted + (r mod 997) * v) mod modulus
    | None -> ()
  done;
  Printf.printf "totals %d sum %d weighted %d tasks %d\n"
    (Hashtbl.length totals) !sum !weighted !next_id
