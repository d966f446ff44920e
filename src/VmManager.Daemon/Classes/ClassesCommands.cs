using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hosting.Cli;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Classes;

/// <summary><c>vm-manager classes …</c>: local classes (installs without LDAP, the demo); directory classes are listed, never edited.</summary>
public static class ClassesCommands
{
    private static readonly CliOption[] MemberOptions =
    [
        new("--add", "NAME[,NAME…]", "user names to add"),
        new("--remove", "NAME[,NAME…]", "user names to remove"),
    ];

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("classes list", "", "every class with its source, students and teachers", [], ListAsync),
        new("classes add", "ID", "create a local class", [new("--display-name", "TEXT", "the name the UI shows (default: ID)")], AddAsync),
        new("classes remove", "ID", "delete a local class (its members keep their accounts and VMs)", [], RemoveAsync),
        new("classes members", "ID", "show, add or remove the students of a local class", MemberOptions,
            context => EditAsync(context, ClassParts.Student)),
        new("classes teachers", "ID", "show, add or remove the teachers of a local class", MemberOptions,
            context => EditAsync(context, ClassParts.Teacher)),
    ];

    private static Task<int> ListAsync(CliContext context)
    {
        foreach (var schoolClass in Store(context).List())
        {
            context.Output.WriteLine($"{schoolClass.Id}\t{schoolClass.DisplayName}\t{schoolClass.Source}\t" +
                $"students: {Names(schoolClass.Students)}\tteachers: {Names(schoolClass.Teachers)}");
        }
        return Task.FromResult(CliExit.Ok);
    }

    private static Task<int> AddAsync(CliContext context)
    {
        var id = context.Argument(0);
        if (ClassRules.IdProblem(id) is { } idProblem)
        {
            throw CliException.Usage($"ID {idProblem}");
        }
        var displayName = (context.Option("--display-name") ?? id).Trim();
        if (ClassRules.DisplayNameProblem(displayName) is { } nameProblem)
        {
            throw CliException.Usage($"--display-name: {nameProblem}");
        }
        if (!Store(context).AddLocal(id, displayName))
        {
            throw CliException.Failure($"a class '{id}' exists already");
        }
        Audit(context, ClassAuditActions.Add, id, displayName);
        context.Output.WriteLine($"class {id} created");
        return Task.FromResult(CliExit.Ok);
    }

    private static Task<int> RemoveAsync(CliContext context)
    {
        var id = context.Argument(0);
        if (!Store(context).RemoveLocal(id))
        {
            throw CliException.Failure($"there is no local class '{id}' (directory classes change in the directory)");
        }
        Audit(context, ClassAuditActions.Remove, id, null);
        context.Output.WriteLine($"class {id} removed");
        return Task.FromResult(CliExit.Ok);
    }

    private static Task<int> EditAsync(CliContext context, string part)
    {
        var id = context.Argument(0);
        var add = Split(context.Option("--add"));
        var remove = Split(context.Option("--remove"));
        if (add.Concat(remove).FirstOrDefault(name => SessionEndpoints.UserNameProblem(name) is not null) is { } bad)
        {
            throw CliException.Usage($"'{bad}' is not a user name");
        }
        var store = Store(context);
        if ((add.Length > 0 || remove.Length > 0) && !store.EditLocal(id, part, add, remove))
        {
            throw CliException.Failure($"there is no local class '{id}' (directory classes change in the directory)");
        }
        if (add.Length > 0 || remove.Length > 0)
        {
            Audit(context, part == ClassParts.Student ? ClassAuditActions.Members : ClassAuditActions.Teachers, id,
                $"+{string.Join(',', add)} -{string.Join(',', remove)}");
        }
        var schoolClass = store.Find(id) ?? throw CliException.Failure($"there is no class '{id}'");
        context.Output.WriteLine(Names(part == ClassParts.Student ? schoolClass.Students : schoolClass.Teachers));
        return Task.FromResult(CliExit.Ok);
    }

    private static string[] Split(string? names) =>
        names is null ? [] : names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Names(IReadOnlyList<ClassMember> members) => members.Count == 0 ? "-" : string.Join(',', members.Select(member => member.UserName));

    private static void Audit(CliContext context, string action, string id, string? detail) =>
        context.Services.GetRequiredService<AuditLog>().Record("cli:" + Environment.UserName, action, $"class:{id}", AuditOutcomes.Success, detail, "cli");

    /// <summary>As the daemon at start: every option valid, the schema up to date.</summary>
    private static ClassStore Store(CliContext context)
    {
        context.Services.ValidateOptions();
        context.Services.GetRequiredService<DatabaseMigrator>().Migrate();
        return context.Services.GetRequiredService<ClassStore>();
    }
}
