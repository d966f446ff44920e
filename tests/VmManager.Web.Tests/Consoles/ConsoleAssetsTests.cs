using System.Net;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Consoles;

/// <summary>The console page and noVNC (copied from npm at build) are embedded in the daemon and served from it.</summary>
public sealed class ConsoleAssetsTests
{
    [Theory]
    [InlineData("/novnc/core/rfb.js", "text/javascript", "export default class RFB")]
    [InlineData("/novnc/core/input/keysymdef.js", "text/javascript", "lookup(u)")]
    [InlineData("/novnc/vendor/pako/lib/zlib/inflate.js", "text/javascript", "inflate")]
    [InlineData("/novnc/LICENSE.txt", "text/plain", "noVNC")]
    [InlineData("/js/console.js", "text/javascript", "import RFB from '/novnc/core/rfb.js'")]
    [InlineData("/console.html", "text/html", "<script type=\"module\" src=\"/js/console.js\"></script>")]
    public async Task Get_ConsoleAsset_ServedFromTheBinary(string path, string mediaType, string content)
    {
        using var factory = new VmManagerFactory();

        var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(content, await response.Content.ReadAsStringAsync());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task ConsolePage_HasNoInlineScriptOrStyle()
    {
        using var factory = new VmManagerFactory();

        var html = await factory.CreateClient().GetStringAsync("/console.html");

        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", html);
        Assert.DoesNotContain("style=", html);
        Assert.DoesNotContain("<style", html);
    }
}
