using Microsoft.Extensions.Options;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Hosting;

public static class StartupValidation
{
    /// <summary>
    /// Validates every option and migrates the database before the host starts, so that a bad
    /// config or database ends the process with one line instead of the host's logged stack trace.
    /// </summary>
    public static void ValidateStartup(this WebApplication app)
    {
        app.Services.ValidateOptions<StorageOptions>();
        app.Services.ValidateOptions();
        // Before anything touches the data folder: a second daemon must not migrate, kill "strays" or run jobs.
        // After the options: a refused config must not leave a data folder behind.
        _ = app.Services.GetRequiredService<DataFolderLock>();
        app.Services.GetRequiredService<DatabaseMigrator>().Migrate();
    }

    /// <summary>Every option registered with ValidateOnStart; the first failure as a <see cref="StartupException"/>.</summary>
    public static void ValidateOptions(this IServiceProvider services) =>
        OneLine(() => services.GetRequiredService<IStartupValidator>().Validate());

    /// <summary>One section only, with the same one-line failure (for commands that must work while another section is broken).</summary>
    public static void ValidateOptions<T>(this IServiceProvider services) where T : class =>
        OneLine(() => _ = services.GetRequiredService<IOptions<T>>().Value);

    private static void OneLine(Action validate)
    {
        try
        {
            validate();
        }
        catch (Exception ex) when (FirstFailure(ex) is { } invalid)
        {
            var failure = invalid.Failures.First();
            var separator = failure.IndexOf(": ", StringComparison.Ordinal);
            throw separator > 0
                ? new StartupException(failure[..separator], failure[(separator + 2)..], ex)
                : new StartupException(invalid.OptionsType.Name, failure, ex);
        }
    }

    private static OptionsValidationException? FirstFailure(Exception ex) => ex switch
    {
        OptionsValidationException invalid => invalid,
        AggregateException many => many.InnerExceptions.OfType<OptionsValidationException>().FirstOrDefault(),
        _ => null,
    };
}
