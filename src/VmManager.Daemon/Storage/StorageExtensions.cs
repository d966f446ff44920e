using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Storage;

public static class StorageExtensions
{
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton(provider => DataFolderLock.Acquire(provider.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory));
        services.AddSingleton<Database>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

        // Cookies and stored VM passwords must survive restarts: keep the keys beside the database.
        services.AddDataProtection().SetApplicationName("vm-manager");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, ILoggerFactory>((keys, storage, loggers) =>
            keys.XmlRepository = new PrivateKeyRepository(new DirectoryInfo(Path.Combine(Path.GetFullPath(storage.Value.DataDirectory), "keys")), loggers));
        return builder;
    }
}
