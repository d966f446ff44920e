using System.Data;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

/// <summary>The quotas of a student's classes, as the quota service asks for them.</summary>
public sealed class ClassQuotas : IGroupQuotas
{
    public IReadOnlyList<(string Source, QuotaChange Limits)> For(IDbConnection connection, IDbTransaction? transaction, string userName) =>
        ClassStore.QuotasOf(connection, transaction, userName)
            .Select(entry => ($"class:{entry.ClassId}", new QuotaChange(entry.Quota.MaxVms, entry.Quota.MaxCpus, entry.Quota.MaxMemoryMiB,
                entry.Quota.MaxDiskGiB, entry.Quota.MaxRunningVms)))
            .ToList();
}
