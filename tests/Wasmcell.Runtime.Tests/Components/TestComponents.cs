using Wasmtime;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>Components for tests: the C command of ../shared/testdata/components and tiny ones made from component text.</summary>
internal static class TestComponents
{
    /// <summary>hello.c (modes spin, alloc N, sleep N, write PATH, exit N) through jco's preview1 command adapter.</summary>
    public static string HelloCli => TestData.Path("components/hello-cli.component.wasm");

    /// <summary>echo.js through componentize-js: answers "hello from componentize-js: METHOD PATH body=BODY".</summary>
    public static string HelloProxy => TestData.Path("components/hello-proxy.component.wasm");

    /// <summary>The same program as a core wasm32-wasi module.</summary>
    public static string HelloCore => TestData.Path("components/hello-cli.core.wasm");

    /// <summary>A component exporting one instance named <paramref name="exportName"/> with a function <c>handle</c>.</summary>
    public static byte[] Exporting(string exportName) => Module.ConvertText($$"""
        (component
          (core module $m (func (export "handle")))
          (core instance $i (instantiate $m))
          (func $handle (canon lift (core func $i "handle")))
          (instance $exported (export "handle" (func $handle)))
          (export "{{exportName}}" (instance $exported)))
        """);

    /// <summary>A command whose run executes <paramref name="body"/> (core wasm returning the result's i32: 0 ok, 1 error).</summary>
    public static byte[] Command(string body) => Module.ConvertText($$"""
        (component
          (core module $m (func (export "run") (result i32) {{body}}))
          (core instance $i (instantiate $m))
          (func $run (result (result)) (canon lift (core func $i "run")))
          (instance $exported (export "run" (func $run)))
          (export "wasi:cli/run@0.2.0" (instance $exported)))
        """);

    /// <summary>
    /// A wasi:http/proxy whose handle runs <paramref name="body"/> (core wasm; the two i32 params are the request and
    /// outparam handles): <c>unreachable</c> makes a handler that traps.
    /// </summary>
    public static byte[] Proxy(string body) => Module.ConvertText($$"""
        (component
          (import "wasi:http/types@0.2.0" (instance $types
            (export "incoming-request" (type (sub resource)))
            (export "response-outparam" (type (sub resource)))))
          (alias export $types "incoming-request" (type $request))
          (alias export $types "response-outparam" (type $outparam))
          (core module $m (func (export "handle") (param i32 i32) {{body}}))
          (core instance $i (instantiate $m))
          (func $handle (param "request" (own $request)) (param "response-out" (own $outparam))
            (canon lift (core func $i "handle")))
          (instance $exported (export "handle" (func $handle)))
          (export "wasi:http/incoming-handler@0.2.0" (instance $exported)))
        """);

    /// <summary>
    /// The smallest proxy that answers: handle makes empty fields, an outgoing-response (200) with them and sets it,
    /// never touching the body (the host ends it empty). Its error-code is a one-case stand-in: the host's functions
    /// are typed at call time, so only the shapes used must match. Measures the host's own cost per request.
    /// </summary>
    public static byte[] TrivialProxy() => Module.ConvertText("""
        (component
          (import "wasi:http/types@0.2.0" (instance $types
            (export "fields" (type $fields (sub resource)))
            (export "incoming-request" (type (sub resource)))
            (export "response-outparam" (type $outparam (sub resource)))
            (export "outgoing-response" (type $response (sub resource)))
            (type $code (variant (case "internal-error")))
            (export "error-code" (type $error-code (eq $code)))
            (export "[constructor]fields" (func (result (own $fields))))
            (export "[constructor]outgoing-response" (func (param "headers" (own $fields)) (result (own $response))))
            (export "[static]response-outparam.set"
              (func (param "param" (own $outparam)) (param "response" (result (own $response) (error $error-code)))))))
          (alias export $types "incoming-request" (type $request))
          (alias export $types "response-outparam" (type $outparam))
          (alias export $types "[constructor]fields" (func $new-fields))
          (alias export $types "[constructor]outgoing-response" (func $new-response))
          (alias export $types "[static]response-outparam.set" (func $set))
          (core func $new-fields-core (canon lower (func $new-fields)))
          (core func $new-response-core (canon lower (func $new-response)))
          (core func $set-core (canon lower (func $set)))
          (core module $m
            (import "host" "new-fields" (func $nf (result i32)))
            (import "host" "new-response" (func $nr (param i32) (result i32)))
            (import "host" "set" (func $set (param i32 i32 i32)))
            (func (export "handle") (param $request i32) (param $out i32)
              (call $set (local.get $out) (i32.const 0) (call $nr (call $nf)))))
          (core instance $host (export "new-fields" (func $new-fields-core))
            (export "new-response" (func $new-response-core)) (export "set" (func $set-core)))
          (core instance $i (instantiate $m (with "host" (instance $host))))
          (func $handle (param "request" (own $request)) (param "response-out" (own $outparam))
            (canon lift (core func $i "handle")))
          (instance $exported (export "handle" (func $handle)))
          (export "wasi:http/incoming-handler@0.2.0" (instance $exported)))
        """);

    /// <summary>
    /// A proxy whose handle makes a request-options, sets its connect, first-byte and between-bytes timeouts to 5, 6
    /// and 7 ms, reads each back, and traps (unreachable) unless each comes back as set; it sets no response. Checks
    /// that the host keeps what the guest sets (durations are u64 nanoseconds; the option comes back through memory).
    /// </summary>
    public static byte[] RequestOptionsProxy() => Module.ConvertText("""
        (component
          (import "wasi:http/types@0.2.0" (instance $types
            (export "incoming-request" (type (sub resource)))
            (export "response-outparam" (type (sub resource)))
            (export "request-options" (type $opts (sub resource)))
            (export "[constructor]request-options" (func (result (own $opts))))
            (export "[method]request-options.set-connect-timeout" (func (param "self" (borrow $opts)) (param "duration" (option u64)) (result (result))))
            (export "[method]request-options.connect-timeout" (func (param "self" (borrow $opts)) (result (option u64))))
            (export "[method]request-options.set-first-byte-timeout" (func (param "self" (borrow $opts)) (param "duration" (option u64)) (result (result))))
            (export "[method]request-options.first-byte-timeout" (func (param "self" (borrow $opts)) (result (option u64))))
            (export "[method]request-options.set-between-bytes-timeout" (func (param "self" (borrow $opts)) (param "duration" (option u64)) (result (result))))
            (export "[method]request-options.between-bytes-timeout" (func (param "self" (borrow $opts)) (result (option u64))))))
          (alias export $types "incoming-request" (type $request))
          (alias export $types "response-outparam" (type $outparam))
          (alias export $types "[constructor]request-options" (func $new))
          (alias export $types "[method]request-options.set-connect-timeout" (func $set-connect))
          (alias export $types "[method]request-options.connect-timeout" (func $connect))
          (alias export $types "[method]request-options.set-first-byte-timeout" (func $set-first))
          (alias export $types "[method]request-options.first-byte-timeout" (func $first))
          (alias export $types "[method]request-options.set-between-bytes-timeout" (func $set-between))
          (alias export $types "[method]request-options.between-bytes-timeout" (func $between))
          (core module $memory (memory (export "mem") 1))
          (core instance $memory-instance (instantiate $memory))
          (alias core export $memory-instance "mem" (core memory $mem))
          (core func $new-core (canon lower (func $new)))
          (core func $set-connect-core (canon lower (func $set-connect)))
          (core func $connect-core (canon lower (func $connect) (memory $mem)))
          (core func $set-first-core (canon lower (func $set-first)))
          (core func $first-core (canon lower (func $first) (memory $mem)))
          (core func $set-between-core (canon lower (func $set-between)))
          (core func $between-core (canon lower (func $between) (memory $mem)))
          (core module $m
            (import "host" "mem" (memory 1))
            (import "host" "new" (func $new (result i32)))
            (import "host" "set-connect" (func $set-connect (param i32 i32 i64) (result i32)))
            (import "host" "connect" (func $connect (param i32 i32)))
            (import "host" "set-first" (func $set-first (param i32 i32 i64) (result i32)))
            (import "host" "first" (func $first (param i32 i32)))
            (import "host" "set-between" (func $set-between (param i32 i32 i64) (result i32)))
            (import "host" "between" (func $between (param i32 i32)))
            ;; some(expected) at offset 16: discriminant 1, the u64 at 24
            (func $expect (param $expected i64)
              (if (i32.ne (i32.load8_u (i32.const 16)) (i32.const 1)) (then unreachable))
              (if (i64.ne (i64.load (i32.const 24)) (local.get $expected)) (then unreachable)))
            (func (export "handle") (param $request i32) (param $out i32)
              (local $o i32)
              (local.set $o (call $new))
              (if (call $set-connect (local.get $o) (i32.const 1) (i64.const 5000000)) (then unreachable))
              (if (call $set-first (local.get $o) (i32.const 1) (i64.const 6000000)) (then unreachable))
              (if (call $set-between (local.get $o) (i32.const 1) (i64.const 7000000)) (then unreachable))
              (call $connect (local.get $o) (i32.const 16))
              (call $expect (i64.const 5000000))
              (call $first (local.get $o) (i32.const 16))
              (call $expect (i64.const 6000000))
              (call $between (local.get $o) (i32.const 16))
              (call $expect (i64.const 7000000))))
          (core instance $host (export "mem" (memory $mem)) (export "new" (func $new-core))
            (export "set-connect" (func $set-connect-core)) (export "connect" (func $connect-core))
            (export "set-first" (func $set-first-core)) (export "first" (func $first-core))
            (export "set-between" (func $set-between-core)) (export "between" (func $between-core)))
          (core instance $i (instantiate $m (with "host" (instance $host))))
          (func $handle (param "request" (own $request)) (param "response-out" (own $outparam))
            (canon lift (core func $i "handle")))
          (instance $exported (export "handle" (func $handle)))
          (export "wasi:http/incoming-handler@0.2.0" (instance $exported)))
        """);
}
