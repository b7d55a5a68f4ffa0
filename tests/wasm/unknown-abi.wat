;; A module that imports a function no host of ours provides: an Emscripten syscall beyond the Emscripten
;; 1.38 host's set. Create must fail and name the missing import.
(module
  (import "env" "___syscall999" (func $syscall999 (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $syscall999 (i32.const 999) (i32.const 0)))))
