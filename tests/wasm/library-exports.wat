;; A library-style module: no `_start`, two functions a `module.wasm#func` entrypoint may call.
;; Run without `#func`, create must fail and list `greet` and `other`; `#greet` prints a line.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "greet was called\n")
  (func (export "greet")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 17))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "other")))
