using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wasmcell.Emscripten.Tests.Infrastructure;

/// <summary>A minimal HTTP/1.1 client over one TCP connection: exact bytes, keep-alive under the test's control.</summary>
public sealed class Http : IDisposable
{
    private readonly TcpClient _client = new();
    private readonly NetworkStream _stream;

    public Http(int port)
    {
        _client.Connect(IPAddress.Loopback, port);
        _client.ReceiveTimeout = 30_000;
        _stream = _client.GetStream();
    }

    public HttpReply Get(string path, bool keepAlive = true)
    {
        var request = $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: {(keepAlive ? "keep-alive" : "close")}\r\n\r\n";
        _stream.Write(Encoding.ASCII.GetBytes(request));
        var head = new List<byte>();
        while (!EndsWithBlankLine(head))
        {
            var b = _stream.ReadByte();
            if (b < 0)
            {
                throw new IOException("connection closed inside the response head");
            }
            head.Add((byte)b);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = int.Parse(headers["Content-Length"], System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        _stream.ReadExactly(body);
        return new HttpReply(status, headers, body);
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';

    public void Dispose() => _client.Dispose();
}

public sealed record HttpReply(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);
