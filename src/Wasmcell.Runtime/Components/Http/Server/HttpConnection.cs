using System.Net.Sockets;
using System.Text;

namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>
/// One client connection on its own thread: HTTP/1.1 requests one after another (keep-alive; no pipelining of
/// responses is needed because each request is answered before the next is read).
/// </summary>
internal sealed class HttpConnection(HttpServer server, Socket socket)
{
    private const int Idle = 0, Busy = 1, Closed = 2;
    private int _state = Idle;

    /// <summary>Ends the connection if it is waiting for a request; a busy one ends after its response (the server is stopping).</summary>
    public void CloseIfIdle()
    {
        if (Interlocked.CompareExchange(ref _state, Closed, Idle) == Idle)
        {
            Shutdown();
        }
    }

    /// <summary>Ends the connection whatever it is doing (the drain timed out).</summary>
    public void Cut()
    {
        Interlocked.Exchange(ref _state, Closed);
        Shutdown();
    }

    public void Serve()
    {
        try
        {
            socket.NoDelay = true;
            socket.ReceiveTimeout = socket.SendTimeout = (int)server.Options.IdleTimeout.TotalMilliseconds;
            var reader = new ConnectionReader(socket);
            using var output = new BufferedStream(new NetworkStream(socket, ownsSocket: false), 16 * 1024);
            while (ServeOne(reader, output))
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client went away or timed out: nothing to answer.
        }
        finally
        {
            Interlocked.Exchange(ref _state, Closed);
            socket.Dispose();
        }
    }

    /// <summary>Serves one request; false when the connection must close after it.</summary>
    private bool ServeOne(ConnectionReader reader, Stream output)
    {
        RequestHead? head;
        try
        {
            head = RequestHead.Read(reader);
            if (head is null || Interlocked.CompareExchange(ref _state, Busy, Idle) != Idle)
            {
                return false; // closed by the client, or by a stop while the head arrived
            }
            var body = RequestBody.For(head, reader);
            var exchange = new ServerExchange(head, body, output, head.KeepAlive && !server.Stopping, () => server.Stopping);
            server.Handle(exchange);
            if (!exchange.Complete || server.Stopping || !body.Drain(server.Options.MaxDrainBytes))
            {
                return false;
            }
        }
        catch (RequestRefusedException e)
        {
            var text = Encoding.ASCII.GetBytes($"{e.Message}\n");
            output.Write(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {e.Status} {ReasonPhrases.For(e.Status)}\r\ncontent-type: text/plain\r\ncontent-length: {text.Length}\r\nconnection: close\r\n\r\n"));
            output.Write(text);
            output.Flush();
            return false;
        }
        // Idle again, unless a stop came meanwhile: then this connection is done.
        return Interlocked.CompareExchange(ref _state, Idle, Busy) == Busy && !server.Stopping;
    }

    private void Shutdown()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
