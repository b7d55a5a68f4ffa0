;; Grows a funcref table by 1 Mi elements at a time: host memory outside the Wasm linear memory, so
;; the cell's cap on linear memory does not bound it, while the cgroup limit does. Exits 0 once the
;; table holds 64 Mi elements (>= 512 MiB of host memory); exits 3 if table.grow fails first.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (table $t 0 funcref)
  (func (export "_start")
    (loop $grow
      (if (i32.eq (table.grow $t (ref.null func) (i32.const 1048576)) (i32.const -1))
        (then (call $proc_exit (i32.const 3))))
      (br_if $grow (i32.lt_u (table.size $t) (i32.const 67108864))))
    (call $proc_exit (i32.const 0))))
