using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hypervisor;

/// <summary>
/// Loads a rendered Vagrantfile with the real Ruby, under a Vagrant.configure that records every setting, so
/// tests see the values Vagrant would see: "vm.box", "vm.provider(:libvirt).memory", "vm.provision" (calls
/// as { args, options }). Symbols come back as ":name".
/// </summary>
internal static class VagrantfileProbe
{
    private const string Recorder = """
        require "json"
        $settings = {}
        class Recorder
          def initialize(path)
            @path = path
          end
          def method_missing(name, *args, **options, &block)
            key = (@path + [name.to_s]).join(".")
            if block
              block.call(Recorder.new(@path + ["#{name}(#{args.map(&:inspect).join(",")})"]))
            elsif name.end_with?("=")
              $settings[key.chomp("=")] = args[0]
            elsif args.empty? && options.empty?
              Recorder.new(@path + [name.to_s])
            else
              ($settings[key] ||= []) << { "args" => args, "options" => options }
            end
          end
          def respond_to_missing?(*)
            true
          end
        end
        module Vagrant
          def self.configure(_version)
            yield Recorder.new([])
          end
        end
        plain = ->(v) do
          case v
          when Symbol then ":#{v}"
          when Hash then v.to_h { |k, x| [k.to_s, plain.(x)] }
          when Array then v.map(&plain)
          else v
          end
        end
        load ARGV[0]
        print JSON.generate(plain.($settings))
        """;

    public static readonly ProcessRunner Runner = new(NullLogger<ProcessRunner>.Instance);

    /// <summary>Evaluates the Vagrantfile in <paramref name="folder"/> with the given environment.</summary>
    public static async Task<IReadOnlyDictionary<string, JsonElement>> EvaluateAsync(string folder, IReadOnlyDictionary<string, string>? environment = null)
    {
        var script = Path.Combine(folder, "probe.rb");
        await File.WriteAllTextAsync(script, Recorder);
        var result = await Runner.RunAsync(new CommandLine("ruby", [script, Path.Combine(folder, "Vagrantfile")], TimeSpan.FromSeconds(30))
        {
            Environment = environment ?? new Dictionary<string, string>(),
        });
        Assert.True(result.Succeeded, result.Output);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(result.Output)!;
    }

    public static async Task<IReadOnlyDictionary<string, JsonElement>> RenderAndEvaluateAsync(
        TempDirectory folder, VagrantfileSpec spec, HypervisorOptions hypervisor, IReadOnlyDictionary<string, string>? environment = null)
    {
        await File.WriteAllTextAsync(folder.File("Vagrantfile"), VagrantfileRenderer.Render(spec, hypervisor));
        return await EvaluateAsync(folder.Path, environment);
    }

    /// <summary>The options of the shell provisioner called <paramref name="name"/>.</summary>
    public static JsonElement Provisioner(IReadOnlyDictionary<string, JsonElement> settings, string name) =>
        Assert.Single(settings["vm.provision"].EnumerateArray(),
            call => call.GetProperty("options").GetProperty("name").GetString() == name).GetProperty("options");
}
