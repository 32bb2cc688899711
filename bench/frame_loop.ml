(* frame_loop.ml: a fixed-step game loop with a long-lived world and a lot of
   per-frame garbage, in OCaml (a generational GC: each frame's data dies
   young in the minor heap). Same output as bench/frame_loop.hi.

   The world (an array of 300 immutable entity records: float position and
   velocity, int hp) and a few counters live for the whole run. Each frame
   builds a new record (and new vecs) for every entity that moves, a fresh
   grid of buckets (an array of lists) to find the pairs that touch, an event
   list, particles thrown from each hit (a new record per sub-step) and a new
   world with the dead replaced. All of that but the new world is garbage
   when the frame ends.

   Build: ocamlopt -o frame_loop_ml frame_loop.ml
   Usage: frame_loop_ml [frames]   (default 8; N is the number of frames)
   Every K frames (K = ceil(N / 20)) it prints a checksum line. *)

type vec = { x : float; y : float }
type entity = { id : int; pos : vec; vel : vec; hp : int }
type particle = { at : vec; pvel : vec }
type event = Bounce of int | Hit of int * int | Died of int

let width = 160.0 and height = 96.0
let grid_w = 20 and grid_h = 12 (* 8 x 8 cells *)
let entities = 300

(* Park-Miller "minimal standard" generator. *)
let rng = ref 42
let rand n =
  rng := !rng * 16807 mod 2147483647;
  !rng mod n

let add a b = { x = a.x +. b.x; y = a.y +. b.y }
let clamp v lo hi = if v < lo then lo else if v > hi then hi else v
let cell v cells = min (truncate (v /. 8.0)) (cells - 1)

let spawn id =
  let x = float_of_int (rand 16000) /. 100.0 in
  let y = float_of_int (rand 9600) /. 100.0 in
  let vx = float_of_int (rand 601 - 300) /. 100.0 in
  let vy = float_of_int (rand 601 - 300) /. 100.0 in
  { id; pos = { x; y }; vel = { x = vx; y = vy }; hp = 3 + rand 5 }

(* Move one entity; bouncing off a wall reverses its velocity. *)
let step events e =
  let p = add e.pos e.vel in
  let out_x = p.x < 0.0 || p.x > width and out_y = p.y < 0.0 || p.y > height in
  if not out_x && not out_y then { e with pos = p }
  else begin
    events := Bounce e.id :: !events;
    let v = { x = (if out_x then -. e.vel.x else e.vel.x);
              y = (if out_y then -. e.vel.y else e.vel.y) } in
    { e with pos = { x = clamp p.x 0.0 width; y = clamp p.y 0.0 height }; vel = v }
  end

(* Every pair closer than 2.0 is a hit; search the 3 x 3 cells around. *)
let collide world grid damage events parts =
  Array.iteri (fun i e ->
      let p = e.pos in
      let cx = cell p.x grid_w and cy = cell p.y grid_h in
      for gy = max (cy - 1) 0 to min (cy + 1) (grid_h - 1) do
        for gx = max (cx - 1) 0 to min (cx + 1) (grid_w - 1) do
          List.iter (fun j ->
              if j > i then begin
                let q = world.(j).pos in
                let dx = p.x -. q.x and dy = p.y -. q.y in
                if dx *. dx +. dy *. dy < 4.0 then begin
                  events := Hit (e.id, world.(j).id) :: !events;
                  damage.(i) <- damage.(i) + 1;
                  damage.(j) <- damage.(j) + 1;
                  let mid = { x = (p.x +. q.x) *. 0.5; y = (p.y +. q.y) *. 0.5 } in
                  for k = 0 to 3 do
                    parts := { at = mid; pvel = { x = float_of_int k -. 1.5; y = -2.0 } } :: !parts
                  done
                end
              end)
            grid.(gy * grid_w + gx)
        done
      done)
    world

(* Let each particle fly six sub-steps under gravity; count those inside. *)
let burn parts =
  let fly p = { at = add p.at p.pvel; pvel = { p.pvel with y = p.pvel.y +. 0.5 } } in
  List.fold_left (fun inside p0 ->
      let p = ref p0 in
      for _ = 1 to 6 do p := fly !p done;
      let a = !p.at in
      if a.x >= 0.0 && a.x <= width && a.y >= 0.0 && a.y <= height then inside + 1 else inside)
    0 parts

let () =
  let frames = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 8 in
  let every = (frames + 19) / 20 in
  let world = ref (Array.init entities spawn) in
  let next_id = ref entities in
  let bounces = ref 0 and hits = ref 0 and deaths = ref 0 and lit = ref 0 in
  for frame = 1 to frames do
    let events = ref [] in
    let moved = Array.map (step events) !world in
    let grid = Array.make (grid_w * grid_h) [] in
    for i = Array.length moved - 1 downto 0 do   (* so each bucket is in index order *)
      let c = cell moved.(i).pos.y grid_h * grid_w + cell moved.(i).pos.x grid_w in
      grid.(c) <- i :: grid.(c)
    done;
    let damage = Array.make (Array.length moved) 0 in
    let parts = ref [] in
    collide moved grid damage events parts;
    lit := !lit + burn !parts;
    world := Array.init (Array.length moved) (fun i ->
        let e = moved.(i) in
        if e.hp > damage.(i) then { e with hp = e.hp - damage.(i) }
        else begin
          events := Died e.id :: !events;
          let fresh = spawn !next_id in
          incr next_id;
          fresh
        end);
    List.iter (function
        | Bounce _ -> incr bounces
        | Hit _ -> incr hits
        | Died _ -> incr deaths)
      !events;
    if frame mod every = 0 then begin
      let hp = ref 0 and sum = ref 0.0 in
      Array.iter (fun e -> hp := !hp + e.hp; sum := !sum +. e.pos.x +. e.pos.y) !world;
      Printf.printf "frame %d events %d hp %d pos %.9f\n" frame (List.length !events) !hp !sum
    end
  done;
  Printf.printf "total bounces %d hits %d deaths %d lit %d\n" !bounces !hits !deaths !lit
