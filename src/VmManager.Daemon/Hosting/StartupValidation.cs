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
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex) when (FirstFailure(ex) is { } invalid)
        {
            var failure = invalid.Failures.First();
            var separator = failure.IndexOf(": ", StringComparison.Ordinal);
            throw separator > 0
                ? new StartupException(failure[..separator], failure[(separator + 2)..], ex)
                : new StartupException(invalid.OptionsType.Name, failure, ex);
        }
        app.Services.GetRequiredService<DatabaseMigrator>().Migrate();
    }

    private static OptionsValidationException? FirstFailure(Exception ex) => ex switch
    {
        OptionsValidationException invalid => invalid,
        AggregateException many => many.InnerExceptions.OfType<OptionsValidationException>().FirstOrDefault(),
        _ => null,
    };
}
