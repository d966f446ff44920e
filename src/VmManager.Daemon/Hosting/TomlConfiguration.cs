using System.Globalization;
using System.Text.Json;
using Tomlyn;
using Tomlyn.Model;

namespace VmManager.Daemon.Hosting;

/// <summary>A TOML file as configuration keys: tables are sections, array items <c>:0</c>, <c>:1</c>…, as the JSON provider does.</summary>
public sealed class TomlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new TomlConfigurationProvider(this);
    }
}

public sealed class TomlConfigurationProvider(TomlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream) => Data = TomlConfiguration.Flatten(TomlConfiguration.Parse(new StreamReader(stream).ReadToEnd(), Source.Path));
}

public static class TomlConfiguration
{
    /// <summary>Throws a <see cref="TomlException"/> whose Line and Column (from 1) locate the first error.</summary>
    public static TomlTable Parse(string text, string? sourceName = null) =>
        TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = sourceName ?? "" })!;

    public static Dictionary<string, string?> Flatten(TomlTable document)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in document)
        {
            Add(data, key, value);
        }
        return data;
    }

    /// <summary>
    /// The TOML equivalent of a JSON config (comments and trailing commas allowed, as the daemon reads it).
    /// TOML has no null: a null value is left out, which binds the same (the option keeps its default).
    /// </summary>
    public static string FromJson(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the JSON config is not an object");
        }
        return TomlSerializer.Serialize(ToTable(document.RootElement),
            new TomlSerializerOptions { BlankLineBeforeTableHeaders = true });
    }

    private static void Add(Dictionary<string, string?> data, string path, object? value)
    {
        switch (value)
        {
            case TomlTable table when table.Count == 0:
            case TomlArray { Count: 0 }:
            case TomlTableArray { Count: 0 }:
                // As the JSON provider: an empty section or list is a key without a value.
                data[path] = null;
                break;
            case TomlTable table:
                foreach (var (key, item) in table)
                {
                    Add(data, ConfigurationPath.Combine(path, key), item);
                }
                break;
            case System.Collections.IEnumerable items and not string:
                var index = 0;
                foreach (var item in items)
                {
                    Add(data, ConfigurationPath.Combine(path, (index++).ToString(CultureInfo.InvariantCulture)), item);
                }
                break;
            default:
                if (!data.TryAdd(path, Convert.ToString(value, CultureInfo.InvariantCulture)))
                {
                    throw new FormatException($"key '{path}' is given twice (keys are case-insensitive)");
                }
                break;
        }
    }

    private static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToTable(element),
        JsonValueKind.Array when element.GetArrayLength() > 0 && element.EnumerateArray().All(item => item.ValueKind == JsonValueKind.Object) =>
            ToTableArray(element),
        JsonValueKind.Array => ToArray(element),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? (object)integer : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static TomlTable ToTable(JsonElement element)
    {
        var table = new TomlTable();
        foreach (var property in element.EnumerateObject())
        {
            if (FromJson(property.Value) is { } value)
            {
                table[property.Name] = value;
            }
        }
        return table;
    }

    private static TomlTableArray ToTableArray(JsonElement element)
    {
        var tables = new TomlTableArray();
        foreach (var item in element.EnumerateArray())
        {
            tables.Add(ToTable(item));
        }
        return tables;
    }

    private static TomlArray ToArray(JsonElement element)
    {
        var array = new TomlArray();
        foreach (var item in element.EnumerateArray())
        {
            // A null item keeps its place, as an empty string.
            array.Add(FromJson(item) ?? "");
        }
        return array;
    }
}
