using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace VmManager.Bench;

// End-to-end console throughput and memory: direct loopback TCP vs the daemon's WebSocket→VNC bridge
// vs Debian's websockify, with socat (a plain TCP relay) as the ceiling of any relay. See bench/README.md.
//   VmManager.Bench [--mib N] [--rounds N] [--consoles N] [--buffer BYTES] [--bridge-env NAME=VALUE]... [--no-websockify] [--no-socat]
//   VmManager.Bench --smoke          (seconds; run by a test so this program cannot rot)
// Internal modes, started by the above as child processes: servers BYTES | bridge SRC SINK IDLE BUFFER
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var invariant = CultureInfo.InvariantCulture;
        switch (args.FirstOrDefault())
        {
            case "servers":
                return await LoopbackServers.RunAsync(long.Parse(args[1], invariant));
            case "bridge":
                return await BridgeHost.RunAsync(int.Parse(args[1], invariant), int.Parse(args[2], invariant), int.Parse(args[3], invariant),
                    int.Parse(args[4], invariant));
        }

        var smoke = args.Contains("--smoke");
        string? Option(string name) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        var mib = int.Parse(Option("--mib") ?? (smoke ? "8" : "256"), invariant);
        var rounds = int.Parse(Option("--rounds") ?? (smoke ? "1" : "7"), invariant);
        var consoles = int.Parse(Option("--consoles") ?? (smoke ? "3" : "50"), invariant);
        var bufferBytes = int.Parse(Option("--buffer") ?? new VmManager.Daemon.Consoles.ConsoleOptions().BufferBytes.ToString(invariant), invariant);
        var websockify = !args.Contains("--no-websockify") && File.Exists("/usr/bin/websockify");
        var socat = !args.Contains("--no-socat") && File.Exists("/usr/bin/socat");
        var bridgeEnvironment = args.Select((arg, at) => (arg, at)).Where(pair => pair.arg == "--bridge-env" && pair.at + 1 < args.Length)
            .Select(pair => args[pair.at + 1].Split('=', 2)).ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");
        long bytes = mib * 1024L * 1024;

        Console.WriteLine($"# Console bridge benchmark ({(smoke ? "smoke" : "full")} run)");
        Console.WriteLine();
        Console.WriteLine($"- machine: {Machine()}");
        Console.WriteLine($"- payload {mib} MiB per transfer, {rounds} round(s) after {(smoke ? 1 : 2)} warm-up round(s), paths interleaved; Consoles:BufferBytes = {bufferBytes}{string.Concat(bridgeEnvironment.Select(pair => $", bridge env {pair.Key}={pair.Value}"))}");
        Console.WriteLine($"- client: receive buffer {TransferPath.ReceiveBufferBytes / 1024} KiB, sends {TransferPath.SendMessageBytes / 1024} KiB writes/messages");
        if (!websockify)
        {
            Console.WriteLine("- websockify: skipped (not installed, or --no-websockify)");
        }
        if (!socat)
        {
            Console.WriteLine("- socat: skipped (not installed, or --no-socat)");
        }
        Console.WriteLine();

        var (servers, ports) = await ChildProcess.StartSelfAsync("servers", bytes.ToString(invariant));
        using (servers)
        {
            var (sourcePort, sinkPort, idlePort) = (int.Parse(ports[0], invariant), int.Parse(ports[1], invariant), int.Parse(ports[2], invariant));

            // Throughput.
            var (bridge, bridgeReady) = await ChildProcess.StartSelfAsync(bridgeEnvironment, "bridge", ports[0], ports[1], ports[2], bufferBytes.ToString(invariant));
            var relays = new List<ChildProcess>();
            try
            {
                var daemon = new Uri(bridgeReady[0]);
                var (session, cookie) = await BridgePath.LoginAsync(daemon);
                using (session)
                {
                    var paths = new List<TransferPath> { new DirectTcpPath(sourcePort, sinkPort), new BridgePath(daemon, session, cookie) { Relays = { bridge.Id } } };
                    if (socat)
                    {
                        var (relaySource, relaySink) = (FreePort(), FreePort());
                        relays.Add(await ChildProcess.StartSocatAsync(relaySource, sourcePort, bufferBytes));
                        relays.Add(await ChildProcess.StartSocatAsync(relaySink, sinkPort, bufferBytes));
                        paths.Add(new DirectTcpPath(relaySource, relaySink, "socat (plain TCP relay, no WebSocket)") { Relays = { relays[^2].Id, relays[^1].Id } });
                    }
                    if (websockify)
                    {
                        var (wsSource, wsSink) = (FreePort(), FreePort());
                        relays.Add(await ChildProcess.StartWebsockifyAsync(wsSource, sourcePort));
                        relays.Add(await ChildProcess.StartWebsockifyAsync(wsSink, sinkPort));
                        paths.Add(new WebsockifyPath(wsSource, wsSink) { Relays = { relays[^2].Id, relays[^1].Id } });
                    }
                    var results = paths.ToDictionary(path => path, _ => (Down: new List<double>(), Up: new List<double>()));
                    var cpu = paths.ToDictionary(path => path, _ => (Down: new List<double>(), Up: new List<double>()));
                    // Warm-up rounds are not counted: the JIT keeps recompiling hot paths (tier-1, OSR) for a few seconds.
                    var warmUp = smoke ? 1 : 2;
                    for (var round = -warmUp; round < rounds; round++)
                    {
                        foreach (var path in paths)
                        {
                            var start = ProcessMemory.TreeCpuSeconds(path.Relays);
                            var down = await path.DownAsync(bytes);
                            var middle = ProcessMemory.TreeCpuSeconds(path.Relays);
                            var up = await path.UpAsync(bytes);
                            var end = ProcessMemory.TreeCpuSeconds(path.Relays);
                            if (round >= 0)
                            {
                                results[path].Down.Add(down);
                                results[path].Up.Add(up);
                                // CPU seconds per GiB moved: unlike MB/s, barely affected by other load on the machine.
                                cpu[path].Down.Add((middle - start) * 1024 / mib);
                                cpu[path].Up.Add((end - middle) * 1024 / mib);
                            }
                        }
                    }
                    // Ratios are taken round by round (the paths of a round run back to back), then their median:
                    // other load on the machine moves both numbers of a round together.
                    var baseline = results[paths[0]];
                    double RatioMedian(List<double> values, List<double> direct) => Median(values.Zip(direct, (value, reference) => value / reference).ToList());
                    Console.WriteLine("## Throughput (MB/s = 10^6 bytes/s; medians over the rounds, × direct = median of per-round ratios)");
                    Console.WriteLine();
                    Console.WriteLine("| path | VNC→browser MB/s | × direct | browser→VNC MB/s | × direct | relay CPU s/GiB (down / up) | all rounds MB/s (down / up) |");
                    Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
                    foreach (var path in paths)
                    {
                        var (down, up) = results[path];
                        var relayCpu = path.Relays.Count == 0 ? "–" : string.Create(invariant, $"{Median(cpu[path].Down):F2} / {Median(cpu[path].Up):F2}");
                        Console.WriteLine(string.Create(invariant, $"| {path.Name} | {Median(down):F0} | {RatioMedian(down, baseline.Down):F2} | {Median(up):F0} | {RatioMedian(up, baseline.Up):F2} | {relayCpu} | {string.Join(" ", down.Select(v => v.ToString("F0", invariant)))} / {string.Join(" ", up.Select(v => v.ToString("F0", invariant)))} |"));
                    }
                    Console.WriteLine();
                }
            }
            finally
            {
                bridge.Dispose();
                relays.ForEach(child => child.Dispose());
            }

            // Memory: a fresh daemon with N idle consoles, against N websockify processes with one console each.
            Console.WriteLine($"## Memory with {consoles} idle consoles (RSS)");
            Console.WriteLine();
            Console.WriteLine("| server | processes | RSS before | RSS with the consoles | per console |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            var (fresh, freshReady) = await ChildProcess.StartSelfAsync(bridgeEnvironment, "bridge", ports[0], ports[1], ports[2], bufferBytes.ToString(invariant));
            using (fresh)
            {
                var daemon = new Uri(freshReady[0]);
                var (session, cookie) = await BridgePath.LoginAsync(daemon);
                using (session)
                {
                    var path = new BridgePath(daemon, session, cookie);
                    await Task.Delay(1000);
                    var before = ProcessMemory.RssKiB(fresh.Id);
                    var held = new List<ClientWebSocket>();
                    for (var i = 0; i < consoles; i++)
                    {
                        held.Add(await HoldAsync(await path.TicketedAsync("idle")));
                    }
                    await Task.Delay(2000);
                    var after = ProcessMemory.RssKiB(fresh.Id);
                    Console.WriteLine(MemoryRow("vm-manager (one process)", 1, before, after, consoles));
                    held.ForEach(socket => socket.Abort());
                }
            }
            if (websockify)
            {
                var processes = new List<ChildProcess>();
                try
                {
                    var wsPorts = new List<int>();
                    for (var i = 0; i < consoles; i++)
                    {
                        wsPorts.Add(FreePort());
                        processes.Add(await ChildProcess.StartWebsockifyAsync(wsPorts[^1], idlePort));
                    }
                    await Task.Delay(1000);
                    var (_, before) = ProcessMemory.TreeRss(processes.Select(process => process.Id));
                    var held = new List<ClientWebSocket>();
                    foreach (var port in wsPorts)
                    {
                        held.Add(await HoldAsync(() => ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"))));
                    }
                    await Task.Delay(2000);
                    var (count, after) = ProcessMemory.TreeRss(processes.Select(process => process.Id));
                    Console.WriteLine(MemoryRow($"websockify ×{consoles}", count, before, after, consoles));
                    held.ForEach(socket => socket.Abort());
                }
                finally
                {
                    processes.ForEach(process => process.Dispose());
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("OK");
        return 0;

        static async Task<ClientWebSocket> HoldAsync(Func<Task<ClientWebSocket>> connect)
        {
            var socket = await connect();
            var greeting = new byte[12];
            var result = await socket.ReceiveAsync(greeting.AsMemory(), CancellationToken.None);
            return result.Count > 0 && greeting[0] == (byte)'R' ? socket : throw new InvalidDataException("no RFB greeting through the console");
        }

        static async Task<ClientWebSocket> ConnectAsync(Uri uri)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("binary");
            await socket.ConnectAsync(uri, CancellationToken.None);
            return socket;
        }

        static string MemoryRow(string name, int processes, long beforeKiB, long afterKiB, int consoles) =>
            string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {processes} | {beforeKiB / 1024.0:F1} MiB | {afterKiB / 1024.0:F1} MiB | {(afterKiB - beforeKiB) / 1024.0 / consoles:F2} MiB |");

        static double Median(List<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        static string Machine()
        {
            var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            return $"{cpu ?? "unknown CPU"}, {Environment.ProcessorCount} cores, Linux {kernel}, .NET {Environment.Version}";
        }
    }
}
