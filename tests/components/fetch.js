// A wasi:http/proxy test guest (componentize-js): GET/POST /?url=URL fetches URL with the request's method and
// body, and answers with the upstream's status, its x-upstream header and its body; a failed fetch answers 502.
// It logs one line to stdout and, on failure, one to stderr (tests look for them in the container's log).
addEventListener('fetch', (event) => event.respondWith(relay(event.request)));

async function relay(req) {
  const target = new URL(req.url).searchParams.get('url');
  console.log(`fetch.js: ${req.method} ${target}`);
  try {
    const init = { method: req.method, headers: { 'x-guest': 'fetch.js' } };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      init.body = await req.arrayBuffer();
    }
    const upstream = await fetch(target, init);
    const body = await upstream.arrayBuffer();
    return new Response(body, {
      status: upstream.status,
      headers: { 'x-upstream': upstream.headers.get('x-upstream') ?? '', 'x-upstream-length': String(body.byteLength) },
    });
  } catch (e) {
    console.error(`fetch.js: ${target} failed: ${e}`);
    return new Response(`fetch failed: ${e}\n`, { status: 502 });
  }
}
