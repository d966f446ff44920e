using Microsoft.AspNetCore.StaticFiles;
using VmManager.Web;

namespace VmManager.Daemon.Hosting;

public static class WebUiExtensions
{
    /// <summary>The UI is embedded in the binary: nothing to deploy beside it, nothing fetched from a CDN.</summary>
    public static WebApplication UseWebUi(this WebApplication app)
    {
        var files = WebAssets.FileProvider;
        var contentTypes = new FileExtensionContentTypeProvider();
        contentTypes.Mappings[".mjs"] = "text/javascript";
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = contentTypes,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            },
        });
        return app;
    }
}
