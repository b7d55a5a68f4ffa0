using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>
/// A loopback HTTP/1.1 server for outgoing-request tests: reads each request (Content-Length or chunked body),
/// records it and answers with what the handler returns, with a Content-Length or chunked, then closes. With
/// <see cref="Certificate"/> set it speaks TLS (a self-signed certificate for 127.0.0.1).
/// </summary>
internal sealed class Upstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Seen, (int Status, (string Name, string Value)[] Headers, byte[] Body, bool Chunked)> _handler;
    private readonly List<Seen> _requests = [];

    public Upstream(Func<Seen, (int, (string, string)[], byte[], bool)> handler)
    {
        _handler = handler;
        _listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    /// <summary>A Content-Length to announce instead of the body's (more: the body stalls after what is sent).</summary>
    public int? DeclaredLength { get; init; }

    /// <summary>Serve https with this certificate (<see cref="SelfSigned"/>).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>A certificate for IP 127.0.0.1 and localhost, its own root, with its private key.</summary>
    public static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=wasmcell-test-upstream", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"{(Certificate is null ? "http" : "https")}://127.0.0.1:{Port}";

    public IReadOnlyList<Seen> Requests { get { lock (_requests) { return [.. _requests]; } } }

    public sealed record Seen(string Method, string Target, List<KeyValuePair<string, string>> Headers, byte[] Body)
    {
        public string? Header(string name) => Headers.Where(h => h.Key == name).Select(h => h.Value).FirstOrDefault();
    }

    private async Task AcceptLoop()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => Serve(client));
        }
    }

    private void Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (Certificate is { } certificate)
                {
                    var tls = new SslStream(stream);
                    tls.AuthenticateAsServer(certificate);
                    stream = tls;
                }
                var seen = ReadRequest(stream);
                lock (_requests)
                {
                    _requests.Add(seen);
                }
                var (status, headers, body, chunked) = _handler(seen);
                var head = new StringBuilder($"HTTP/1.1 {status} X\r\nconnection: close\r\n");
                foreach (var (name, value) in headers)
                {
                    head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
                }
                head.Append(chunked ? "transfer-encoding: chunked\r\n\r\n" : $"content-length: {DeclaredLength ?? body.Length}\r\n\r\n");
                stream.Write(Encoding.ASCII.GetBytes(head.ToString()));
                if (!chunked)
                {
                    stream.Write(body);
                    if (DeclaredLength > body.Length)
                    {
                        stream.ReadByte(); // stall until the client gives up and closes
                    }
                    return;
                }
                for (var at = 0; at < body.Length; at += 100_000)
                {
                    var n = Math.Min(100_000, body.Length - at);
                    stream.Write(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
                    stream.Write(body, at, n);
                    stream.Write("\r\n"u8);
                }
                stream.Write("0\r\n\r\n"u8);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away (a stopped guest, a refused certificate).
            }
        }
    }

    private static Seen ReadRequest(Stream stream)
    {
        var line = ReadLine(stream).Split(' ');
        var headers = new List<KeyValuePair<string, string>>();
        string header;
        while ((header = ReadLine(stream)).Length > 0)
        {
            var colon = header.IndexOf(':');
            headers.Add(new(header[..colon].Trim().ToLowerInvariant(), header[(colon + 1)..].Trim()));
        }
        var body = new MemoryStream();
        if (headers.Any(h => h.Key == "transfer-encoding" && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            int size;
            while ((size = int.Parse(ReadLine(stream).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)) > 0)
            {
                body.Write(ReadExactly(stream, size));
                ReadLine(stream);
            }
            while (ReadLine(stream).Length > 0)
            {
            }
        }
        else if (headers.FirstOrDefault(h => h.Key == "content-length").Value is { } length)
        {
            body.Write(ReadExactly(stream, int.Parse(length, CultureInfo.InvariantCulture)));
        }
        return new Seen(line[0], line[1], headers, body.ToArray());
    }

    private static byte[] ReadExactly(Stream stream, int n)
    {
        var bytes = new byte[n];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static string ReadLine(Stream stream)
    {
        var line = new List<byte>();
        int b;
        while ((b = stream.ReadByte()) >= 0 && b != '\n')
        {
            line.Add((byte)b);
        }
        return Encoding.Latin1.GetString([.. line]).TrimEnd('\r');
    }

    public void Dispose() => _listener.Stop();
}
