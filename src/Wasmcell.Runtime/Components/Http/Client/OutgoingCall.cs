using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Wasmcell.Runtime.Components.Http.Server;

namespace Wasmcell.Runtime.Components.Http.Client;

/// <summary>What the guest asked for, checked: the request line's parts, the host and port to connect to, its headers, TLS or not.</summary>
internal sealed record OutgoingTarget(string Method, string Host, int Port, string Authority, string PathWithQuery,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers, bool Https = false)
{
    public override string ToString() => $"{Method} {(Https ? "https" : "http")}://{Authority}{PathWithQuery}";
}

/// <summary>request-options as applied: connect (name lookup included), first byte of the response, between bytes of its body.</summary>
internal readonly record struct OutgoingTimeouts(TimeSpan Connect, TimeSpan FirstByte, TimeSpan BetweenBytes)
{
    public static readonly TimeSpan DefaultConnect = TimeSpan.FromSeconds(30), DefaultFirstByte = TimeSpan.FromSeconds(60),
        DefaultBetweenBytes = TimeSpan.FromSeconds(60);
}

/// <summary>
/// One outgoing HTTP/1.1 request on a connection of its own (sent with "connection: close"; no pooling), over TLS
/// (SslStream, the system's trusted roots) for https. A thread of its own looks the name up, connects, shakes hands, sends the head (and the body written before handle), then reads the
/// response head; <see cref="Response"/> completes with it or faults with an <see cref="HttpErrorException"/>. Body
/// bytes the guest writes after handle go to the socket on the guest's thread once the head is out; the response
/// body is read on the guest's thread too. A stop of the proxy, or <see cref="Dispose"/>, shuts the socket, which
/// ends any read or write blocked on it.
/// </summary>
internal sealed class OutgoingCall : IDisposable
{
    private readonly OutgoingTarget _target;
    private readonly OutgoingTimeouts _timeouts;
    private readonly OutgoingRequestBody? _body;
    private readonly CancellationToken _stop;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _headSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ResponseHead> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _onStop;
    private readonly X509Certificate2Collection? _trustedRoots;
    private SslPolicyErrors _certificateErrors;
    private Socket? _socket;
    private Stream? _stream;
    private string _framing = "";
    private int _closed;

    private OutgoingCall(OutgoingTarget target, OutgoingTimeouts timeouts, OutgoingRequestBody? body, CancellationToken stop,
        X509Certificate2Collection? trustedRoots)
    {
        _trustedRoots = trustedRoots;
        _target = target;
        _timeouts = timeouts;
        _body = body;
        _stop = stop;
        _onStop = stop.Register(Dispose);
    }

    /// <summary>The response head, or an <see cref="HttpErrorException"/>.</summary>
    public Task<ResponseHead> Response => _response.Task;

    public bool Closed => Volatile.Read(ref _closed) != 0;

    public OutgoingTarget Target => _target;

    /// <param name="trustedRoots">For https: trust only these roots instead of the system's (tests).</param>
    public static OutgoingCall Start(OutgoingTarget target, OutgoingTimeouts timeouts, OutgoingRequestBody? body, CancellationToken stop,
        X509Certificate2Collection? trustedRoots = null)
    {
        var call = new OutgoingCall(target, timeouts, body, stop, trustedRoots);
        call._framing = body?.Attach(call, target.Headers) ?? (target.Method is "GET" or "HEAD" ? "" : "content-length: 0\r\n");
        new Thread(call.Run) { IsBackground = true, Name = "http-outgoing" }.Start();
        return call;
    }

    /// <summary>Body bytes after handle, as one chunk when <paramref name="chunked"/>: written once the head is out (on the caller's thread).</summary>
    internal void SendBody(ReadOnlySpan<byte> data, bool chunked)
    {
        WaitForHead();
        try
        {
            var stream = Volatile.Read(ref _stream) ?? throw new ObjectDisposedException("the connection");
            if (chunked)
            {
                ChunkedEncoding.Write(stream, data);
            }
            else
            {
                stream.Write(data);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            throw Failed(e);
        }
    }

    private void WaitForHead()
    {
        try
        {
            _headSent.Task.Wait(_stop);
        }
        catch (AggregateException)
        {
            throw new IOException($"{_target}: the request could not be sent ({ErrorOf(_response.Task)})");
        }
    }

    private IOException Failed(Exception e)
    {
        _stop.ThrowIfCancellationRequested();
        var timedOut = Unwrap(e) is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock };
        return new HttpStreamException(new HttpError(timedOut ? "connection-write-timeout" : "connection-terminated"), $"{_target}: {e.Message}", e);
    }

    private static string ErrorOf(Task task) =>
        task.Exception?.InnerException is HttpErrorException h ? h.Code.ToString() : task.Exception?.InnerException?.Message ?? "aborted";

    private void Run()
    {
        try
        {
            var socket = Connect();
            Stream stream = _target.Https ? Handshake(socket) : new NetworkStream(socket, ownsSocket: false);
            socket.SendTimeout = Milliseconds(_timeouts.BetweenBytes);
            stream.Write(Head());
            _body?.SendEarly(stream);
            Volatile.Write(ref _stream, stream);
            _headSent.TrySetResult();
            socket.ReceiveTimeout = Milliseconds(_timeouts.FirstByte);
            var reader = new ConnectionReader(stream);
            var head = ResponseHead.Read(reader, _target.Method == "HEAD");
            socket.ReceiveTimeout = Milliseconds(_timeouts.BetweenBytes);
            _response.TrySetResult(head);
        }
        catch (Exception e)
        {
            var error = Classify(e);
            _headSent.TrySetException(error);
            _response.TrySetException(error);
            Dispose();
        }
    }

    private Socket Connect()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop, _abort.Token);
        deadline.CancelAfter(_timeouts.Connect);
        IPAddress[] addresses;
        if (IPAddress.TryParse(_target.Host, out var literal))
        {
            addresses = [literal];
        }
        else if (_target.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || _target.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 6761: loopback, without a lookup (a cell's root has no /etc/hosts to find it in).
            addresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
        else
        {
            try
            {
                addresses = Dns.GetHostAddressesAsync(_target.Host, deadline.Token).GetAwaiter().GetResult();
            }
            catch (SocketException e)
            {
                throw new HttpErrorException(new HttpError("DNS-error", e.SocketErrorCode.ToString()), e.Message);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested && !_abort.IsCancellationRequested)
            {
                throw new HttpErrorException(new HttpError("DNS-timeout"), "name lookup timed out");
            }
            if (addresses.Length == 0)
            {
                throw new HttpErrorException(new HttpError("DNS-error", "NoData"), "no address");
            }
        }
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Volatile.Write(ref _socket, socket);
            if (Closed)
            {
                socket.Dispose();
                throw new OperationCanceledException("the outgoing request was closed");
            }
            try
            {
                socket.ConnectAsync(new IPEndPoint(address, _target.Port), deadline.Token).AsTask().GetAwaiter().GetResult();
                return socket;
            }
            catch (SocketException e)
            {
                last = e;
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested && !_abort.IsCancellationRequested)
            {
                throw new HttpErrorException(new HttpError("connection-timeout"), $"no connection within {_timeouts.Connect.TotalMilliseconds} ms");
            }
            socket.Dispose();
        }
        throw last!;
    }

    /// <summary>TLS over the connection, within the connect timeout; a refused certificate is TLS-certificate-error.</summary>
    private SslStream Handshake(Socket socket)
    {
        socket.ReceiveTimeout = socket.SendTimeout = Milliseconds(_timeouts.Connect);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false, (_, _, _, errors) =>
        {
            _certificateErrors = errors;
            return errors == SslPolicyErrors.None;
        });
        var options = new SslClientAuthenticationOptions { TargetHost = _target.Host };
        if (_trustedRoots is not null)
        {
            options.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        }
        try
        {
            tls.AuthenticateAsClient(options);
            return tls;
        }
        catch (AuthenticationException e)
        {
            tls.Dispose();
            throw _certificateErrors != SslPolicyErrors.None
                ? new HttpErrorException(new HttpError("TLS-certificate-error"), $"{_certificateErrors}: {e.Message}")
                : new HttpErrorException(new HttpError("TLS-protocol-error"), e.Message);
        }
    }

    private byte[] Head()
    {
        var head = new StringBuilder(256);
        head.Append(CultureInfo.InvariantCulture, $"{_target.Method} {_target.PathWithQuery} HTTP/1.1\r\nhost: {_target.Authority}\r\n");
        foreach (var (name, value) in _target.Headers)
        {
            head.Append(name).Append(": ").Append(Encoding.Latin1.GetString(value)).Append("\r\n");
        }
        head.Append(_framing);
        head.Append("connection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    /// <summary>The error-code for a failure of the request before its response head is in.</summary>
    private HttpErrorException Classify(Exception e)
    {
        if (e is HttpErrorException h)
        {
            return h;
        }
        if (_stop.IsCancellationRequested || Closed)
        {
            return new HttpErrorException(new HttpError("internal-error", "the request was stopped"), "stopped");
        }
        e = Unwrap(e);
        var code = e switch
        {
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection-refused",
            SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } when _headSent.Task.IsCompletedSuccessfully => "connection-read-timeout",
            SocketException { SocketErrorCode: SocketError.TimedOut } => "connection-timeout",
            SocketException { SocketErrorCode: SocketError.NetworkUnreachable } => "destination-IP-unroutable",
            SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.HostDown } => "destination-unavailable",
            SocketException { SocketErrorCode: SocketError.AccessDenied } => "HTTP-request-denied",
            SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } => "connection-terminated",
            SocketException => "destination-unavailable",
            RequestRefusedException { Status: 431 } => "HTTP-response-header-section-size",
            RequestRefusedException => "HTTP-response-incomplete",
            ResponseHead.IncompleteException => "HTTP-response-incomplete",
            InvalidDataException => "HTTP-protocol-error",
            IOException => "connection-terminated",
            _ => "internal-error",
        };
        return new HttpErrorException(new HttpError(code, code == "internal-error" ? e.Message : null), e.Message);
    }

    /// <summary>The socket error behind a stream's IOException (NetworkStream and SslStream wrap them).</summary>
    internal static Exception Unwrap(Exception e) => e is IOException { InnerException: SocketException inner } ? inner : e;

    private static int Milliseconds(TimeSpan t) => (int)Math.Clamp(t.TotalMilliseconds, 1, int.MaxValue);

    /// <summary>Closes the connection: a read or write blocked on it ends; a response not yet in fails.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _abort.Cancel();
        if (Volatile.Read(ref _socket) is { } socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Not connected (yet), or already closed.
            }
            socket.Dispose();
        }
        _onStop.Unregister();
    }
}
