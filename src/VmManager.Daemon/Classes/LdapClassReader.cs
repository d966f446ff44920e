using System.DirectoryServices.Protocols;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

/// <summary>
/// Reads the classes from the directory: the groups under Classes:Ldap:BaseDn matching its filter, their
/// members (groupOfNames member DNs and posixGroup memberUid values; groups inside groups followed to
/// Classes:Ldap:NestingDepth, each at most once, so a cycle ends), and their teachers from the group's
/// teacher attribute and/or a per-class teacher group.
/// </summary>
public sealed class LdapClassReader(LdapDirectory directory, IOptions<ClassesOptions> classesOptions, IOptions<LdapOptions> ldapOptions)
{
    private static readonly string[] GroupClasses = ["groupOfNames", "groupOfUniqueNames", "posixGroup"];

    public IReadOnlyList<SchoolClass> ReadAll() => directory.Read(connection => new Reading(connection, classesOptions.Value.Ldap, ldapOptions.Value).Classes());

    /// <summary>One pass over the directory; entries read once are remembered for the rest of the pass.</summary>
    private sealed class Reading(LdapConnection connection, LdapClassesOptions classes, LdapOptions ldap)
    {
        private readonly Dictionary<string, SearchResultEntry?> _entries = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, ClassMember?> _uids = new(StringComparer.OrdinalIgnoreCase);

        public List<SchoolClass> Classes()
        {
            var attributes = new[] { classes.IdAttribute, classes.DisplayNameAttribute, classes.TeacherAttribute, "member", "uniqueMember", "memberUid" }
                .Where(name => !string.IsNullOrEmpty(name)).Distinct().ToArray();
            var response = (SearchResponse)connection.SendRequest(new SearchRequest(classes.BaseDn, classes.Filter, SearchScope.Subtree, attributes));
            var result = new List<SchoolClass>();
            foreach (SearchResultEntry group in response.Entries)
            {
                if (First(group, classes.IdAttribute) is not { Length: > 0 } id)
                {
                    continue;
                }
                var students = Members(group, classes.NestingDepth, new HashSet<string>(StringComparer.OrdinalIgnoreCase) { group.DistinguishedName });
                var teachers = new List<ClassMember>();
                if (!string.IsNullOrEmpty(classes.TeacherAttribute))
                {
                    foreach (var dn in Values(group, classes.TeacherAttribute))
                    {
                        teachers.AddRange(MembersAt(dn, classes.NestingDepth, [group.DistinguishedName]));
                    }
                }
                if (!string.IsNullOrEmpty(classes.TeacherGroup))
                {
                    var name = classes.TeacherGroup.Replace("{id}", id, StringComparison.Ordinal);
                    var found = (SearchResponse)connection.SendRequest(new SearchRequest(ldap.GroupBaseDn, $"(cn={LdapFilter.Escape(name)})", SearchScope.Subtree,
                        "objectClass", "member", "uniqueMember", "memberUid"));
                    foreach (SearchResultEntry teacherGroup in found.Entries)
                    {
                        teachers.AddRange(Members(teacherGroup, classes.NestingDepth, [teacherGroup.DistinguishedName]));
                    }
                }
                result.Add(new SchoolClass(id, First(group, classes.DisplayNameAttribute) ?? id, ClassSources.Ldap,
                    Distinct(students), Distinct(teachers)));
            }
            return result;
        }

        private List<ClassMember> Members(SearchResultEntry group, int depth, HashSet<string> visited)
        {
            var members = new List<ClassMember>();
            foreach (var dn in Values(group, "member").Concat(Values(group, "uniqueMember")))
            {
                members.AddRange(MembersAt(dn, depth, visited));
            }
            foreach (var uid in Values(group, "memberUid"))
            {
                if (ByUid(uid) is { } member)
                {
                    members.Add(member);
                }
            }
            return members;
        }

        /// <summary>A person at <paramref name="dn"/>, or the members of the group there while depth remains.</summary>
        private List<ClassMember> MembersAt(string dn, int depth, HashSet<string> visited)
        {
            if (Entry(dn) is not { } entry)
            {
                return [];
            }
            if (Values(entry, "objectClass").Any(objectClass => GroupClasses.Contains(objectClass, StringComparer.OrdinalIgnoreCase)))
            {
                return depth > 0 && visited.Add(entry.DistinguishedName) ? Members(entry, depth - 1, visited) : [];
            }
            return Person(entry) is { } person ? [person] : [];
        }

        private SearchResultEntry? Entry(string dn)
        {
            if (_entries.TryGetValue(dn, out var cached))
            {
                return cached;
            }
            SearchResultEntry? entry;
            try
            {
                var response = (SearchResponse)connection.SendRequest(new SearchRequest(dn, "(objectClass=*)", SearchScope.Base,
                    "objectClass", "member", "uniqueMember", "memberUid", ldap.UserNameAttribute, ldap.DisplayNameAttribute, ldap.MailAttribute));
                entry = response.Entries.Count == 1 ? response.Entries[0] : null;
            }
            catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.NoSuchObject)
            {
                entry = null; // a member whose entry was deleted: the directory has no referential integrity
            }
            return _entries[dn] = entry;
        }

        private ClassMember? ByUid(string uid)
        {
            if (_uids.TryGetValue(uid, out var cached))
            {
                return cached;
            }
            var filter = $"({ldap.UserNameAttribute}={LdapFilter.Escape(uid)})";
            ClassMember? member;
            try
            {
                var response = (SearchResponse)connection.SendRequest(new SearchRequest(ldap.UserBaseDn, filter, SearchScope.Subtree,
                    ldap.UserNameAttribute, ldap.DisplayNameAttribute, ldap.MailAttribute) { SizeLimit = 2 });
                member = response.Entries.Count == 1 ? Person(response.Entries[0]) : null;
            }
            catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.SizeLimitExceeded)
            {
                member = null; // two people with this uid: neither is taken for the other
            }
            return _uids[uid] = member;
        }

        private ClassMember? Person(SearchResultEntry entry) => First(entry, ldap.UserNameAttribute) is { Length: > 0 } uid
            ? new ClassMember(uid, First(entry, ldap.DisplayNameAttribute) ?? uid, First(entry, ldap.MailAttribute))
            : null;

        private static List<ClassMember> Distinct(IEnumerable<ClassMember> members) =>
            members.DistinctBy(member => member.UserName, StringComparer.OrdinalIgnoreCase).ToList();

        private static string? First(SearchResultEntry entry, string name) => string.IsNullOrEmpty(name) ? null : Values(entry, name).FirstOrDefault();

        private static IEnumerable<string> Values(SearchResultEntry entry, string name) =>
            entry.Attributes.Contains(name) ? entry.Attributes[name].GetValues(typeof(string)).Cast<string>() : [];
    }
}
