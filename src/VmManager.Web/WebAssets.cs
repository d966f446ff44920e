using Microsoft.Extensions.FileProviders;

namespace VmManager.Web;

/// <summary>The UI's files, compiled into this assembly (noVNC included at build from npm).</summary>
public static class WebAssets
{
    public static IFileProvider FileProvider { get; } = new ManifestEmbeddedFileProvider(typeof(WebAssets).Assembly, "wwwroot");
}
