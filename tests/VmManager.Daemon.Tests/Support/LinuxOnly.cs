// The tests drive the real rig (libvirt, slapd, systemd-analyze, promtool): Linux only, which also
// lets them use Unix file modes without platform guards.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
