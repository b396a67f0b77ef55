// ElfVersionNeedPatcher: an inline MSBuild task (compiled by RoslynCodeTaskFactory from
// build/TorchSharpNativeFix.targets) that marks selected ELF symbol-version requirements as weak.
//
// Why this exists
// ---------------
// TorchSharp 0.107.0 ships its native shim libLibTorchSharp.so built with GCC 13. The shim declares
// that it needs libstdc++ symbol version GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12, up
// to GLIBCXX_3.4.30) does not define, so the dynamic loader refuses to load it and TorchSharp
// reports a misleading "doesn't contain a reference to libtorch-cpu-linux-x64" error.
//
// The only GLIBCXX_3.4.32 symbol the shim uses is std::ios_base_library_init(). GCC 13's
// <iostream> merely *references* it to force the iostream initialiser to be linked; no relocation
// ever binds to it, so it is never called. The requirement is therefore spurious. Setting
// VER_FLG_WEAK on that one version-need entry makes glibc treat its absence as non-fatal
// ("weak version ... not found" in ldd) and the library loads and works.
//
// Safety rules this task follows
// ------------------------------
// * It only acts when the *host* libstdc++ lacks the version; on hosts that have it the original
//   binary is left byte-for-byte untouched.
// * It is idempotent: an entry that is already weak is left alone and the file is not rewritten.
// * It never writes through the existing file. The build output copy may be a hard link to (or a
//   symlink into) the user's NuGet package cache, so a patched copy is written to a temporary file
//   next to the target and then renamed over it. Paths inside the NuGet cache are refused outright.
// * The ELF is parsed from its headers (section table, sh_link, Verneed/Vernaux chains); there are
//   no hard-coded offsets, and every read is bounds-checked so a malformed file yields a clear
//   MSBuild error rather than a corrupted binary.
//
// Note: RoslynCodeTaskFactory compiles this file against netstandard2.0 reference assemblies even
// though MSBuild runs on modern .NET, so APIs such as Span<T>, BinaryPrimitives, File.Move(..., true)
// or File.GetUnixFileMode are not available at compile time. The code sticks to netstandard2.0.

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace DnaNas.Build
{
    /// <summary>
    /// Marks the named ELF version requirements (default <c>GLIBCXX_3.4.32</c>) as weak in each of
    /// <see cref="Files"/>, but only for versions the host's libstdc++ does not define.
    /// </summary>
    public sealed class ElfVersionNeedPatcher : Microsoft.Build.Utilities.Task
    {
        /// <summary>ELF shared objects to patch (typically every libLibTorchSharp.so in an output folder).</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = new ITaskItem[0];

        /// <summary>Version names whose need entries should be made weak when the host lacks them.</summary>
        public string[] Versions { get; set; } = { "GLIBCXX_3.4.32" };

        /// <summary>
        /// Directories whose contents must never be modified (the NuGet package root and fallback
        /// folders). The NUGET_PACKAGES variable and ~/.nuget/packages are always added.
        /// </summary>
        public string[] ProtectedDirectories { get; set; } = new string[0];

        /// <summary>
        /// Optional explicit path of the host libstdc++ to inspect instead of probing the standard
        /// locations. Mainly useful for testing the "host already defines the version" path.
        /// </summary>
        public string HostLibStdCxx { get; set; } = "";

        // Standard locations of the C++ runtime the dynamic loader will actually pick, in probe order.
        private static readonly string[] HostLibStdCxxCandidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        };

        public override bool Execute()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                Log.LogMessage(MessageImportance.Low,
                    "ElfVersionNeedPatcher: not running on Linux; native libraries left unchanged.");
                return true;
            }

            var wanted = (Versions ?? new string[0])
                .Select(v => v.Trim())
                .Where(v => v.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var files = (Files ?? new ITaskItem[0])
                .Select(f => f.GetMetadata("FullPath"))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (wanted.Count == 0 || files.Count == 0)
                return true;

            string hostLib = FindHostLibStdCxx(out IEnumerable<string> probed);
            if (hostLib == null)
            {
                Log.LogMessage(MessageImportance.Low,
                    "ElfVersionNeedPatcher: no host libstdc++.so.6 found (looked for {0}); "
                    + "native libraries left unchanged.", string.Join(", ", probed));
                return true;
            }

            HashSet<string> hostDefined;
            try
            {
                hostDefined = ElfImage.Load(hostLib).ReadVersionDefinitions();
            }
            catch (Exception e) when (e is ElfFormatException || e is IOException || e is UnauthorizedAccessException)
            {
                // Without knowing what the host provides we cannot justify modifying a binary.
                Log.LogMessage(MessageImportance.Low,
                    "ElfVersionNeedPatcher: could not read version definitions of {0} ({1}); "
                    + "native libraries left unchanged.", hostLib, e.Message);
                return true;
            }

            // Only versions the host is missing need weakening; anything else would hide a real
            // incompatibility (or be pointless) on hosts that can satisfy the requirement.
            var missing = new HashSet<string>(StringComparer.Ordinal);
            foreach (string version in wanted)
            {
                if (hostDefined.Contains(version))
                    Log.LogMessage(MessageImportance.Low,
                        "ElfVersionNeedPatcher: host {0} defines {1}; no patch needed.", hostLib, version);
                else
                    missing.Add(version);
            }
            if (missing.Count == 0)
                return true;

            List<string> protectedRoots = GetProtectedRoots();
            foreach (string file in files)
            {
                if (protectedRoots.Any(root => file.StartsWith(root, StringComparison.Ordinal)))
                {
                    Log.LogWarning(null, null, null, file, 0, 0, 0, 0,
                        "ElfVersionNeedPatcher: refusing to modify {0} because it is inside the NuGet package cache; "
                        + "only build/publish output copies may be patched.", file);
                    continue;
                }

                try
                {
                    PatchFile(file, missing);
                }
                catch (ElfFormatException e)
                {
                    Log.LogError(null, null, null, file, 0, 0, 0, 0,
                        "ElfVersionNeedPatcher: {0} is not a well-formed ELF64 little-endian shared object: {1}",
                        file, e.Message);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogError(null, null, null, file, 0, 0, 0, 0,
                        "ElfVersionNeedPatcher: could not patch {0}: {1}", file, e.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }

        private void PatchFile(string path, HashSet<string> versions)
        {
            byte[] image = File.ReadAllBytes(path);
            List<VersionNeed> needs = ElfImage.Parse(image).ReadVersionNeeds()
                .Where(n => versions.Contains(n.VersionName))
                .ToList();

            if (needs.Count == 0)
            {
                Log.LogMessage(MessageImportance.Low,
                    "ElfVersionNeedPatcher: {0} does not require {1}; left unchanged.",
                    path, string.Join(", ", versions.OrderBy(v => v, StringComparer.Ordinal)));
                return;
            }

            List<VersionNeed> toPatch = needs.Where(n => (n.Flags & ElfImage.VER_FLG_WEAK) == 0).ToList();
            if (toPatch.Count == 0)
            {
                Log.LogMessage(MessageImportance.Normal,
                    "ElfVersionNeedPatcher: {0} already has {1} marked weak; nothing to do.",
                    path, string.Join(", ", needs.Select(n => n.VersionName).Distinct()));
                return;
            }

            foreach (VersionNeed need in toPatch)
            {
                ushort flags = (ushort)(need.Flags | ElfImage.VER_FLG_WEAK);
                image[need.FlagsFileOffset] = (byte)flags;
                image[need.FlagsFileOffset + 1] = (byte)(flags >> 8);
            }

            WriteAtomically(path, image);

            Log.LogMessage(MessageImportance.Normal,
                "Patched {0}: {1} marked weak (Debian 12 libstdc++ lacks it)",
                path, string.Join(", ", toPatch.Select(n => n.VersionName).Distinct()));
        }

        /// <summary>
        /// Replaces <paramref name="path"/> with <paramref name="contents"/> without ever writing to
        /// the existing inode: if the output file is a hard link into the NuGet cache, the cache copy
        /// must stay pristine. The temporary file is created by copying the original so it inherits
        /// its permission bits (the shim is executable), then overwritten and renamed into place.
        /// File.Replace maps to rename(2) on Unix, which atomically swaps the directory entry.
        /// </summary>
        private static void WriteAtomically(string path, byte[] contents)
        {
            string directory = Path.GetDirectoryName(path) ?? ".";
            string temp = Path.Combine(directory,
                "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                File.Copy(path, temp);
                File.WriteAllBytes(temp, contents);
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }

        private string FindHostLibStdCxx(out IEnumerable<string> candidates)
        {
            candidates = string.IsNullOrWhiteSpace(HostLibStdCxx)
                ? HostLibStdCxxCandidates
                : new[] { HostLibStdCxx.Trim() };

            foreach (string candidate in candidates)
            {
                if (File.Exists(candidate)) // follows symlinks; a dangling link counts as absent
                    return ResolveSymlinks(candidate);
            }
            return null;
        }

        /// <summary>
        /// Resolves libstdc++.so.6 -> libstdc++.so.6.0.NN so log messages name the real file.
        /// FileSystemInfo.ResolveLinkTarget exists at run time (.NET 6+) but not in the netstandard2.0
        /// surface this task is compiled against, hence the reflection. Reading the unresolved path
        /// would work too (open follows links), so any failure simply keeps the original path.
        /// </summary>
        private static string ResolveSymlinks(string path)
        {
            try
            {
                var resolve = typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new[] { typeof(bool) });
                if (resolve?.Invoke(new FileInfo(path), new object[] { true }) is FileSystemInfo target && target.Exists)
                    return target.FullName;
            }
            catch (Exception)
            {
                // Best effort only; see summary.
            }
            return path;
        }

        private List<string> GetProtectedRoots()
        {
            var roots = new List<string>();
            roots.AddRange(ProtectedDirectories ?? new string[0]);
            roots.Add(Environment.GetEnvironmentVariable("NUGET_PACKAGES"));
            string home = Environment.GetEnvironmentVariable("HOME");
            if (!string.IsNullOrEmpty(home))
                roots.Add(Path.Combine(home, ".nuget", "packages"));

            return roots
                .Where(r => !string.IsNullOrWhiteSpace(r))
                .Select(r => Path.GetFullPath(r.Trim()).TrimEnd('/') + "/")
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>One Elf64_Vernaux entry: a symbol version required from a DT_NEEDED library.</summary>
    internal sealed class VersionNeed
    {
        public VersionNeed(string versionName, ushort flags, int flagsFileOffset)
        {
            VersionName = versionName;
            Flags = flags;
            FlagsFileOffset = flagsFileOffset;
        }

        public string VersionName { get; }
        public ushort Flags { get; }

        /// <summary>File offset of the 16-bit vna_flags field.</summary>
        public int FlagsFileOffset { get; }
    }

    internal sealed class ElfFormatException : Exception
    {
        public ElfFormatException(string message) : base(message) { }
    }

    /// <summary>
    /// Minimal, bounds-checked reader for the parts of an ELF64 little-endian file needed here:
    /// the section header table and the GNU symbol-versioning sections. Field layouts follow the
    /// System V gABI and the LSB "Symbol Versioning" specification.
    /// </summary>
    internal sealed class ElfImage
    {
        public const ushort VER_FLG_WEAK = 0x2;

        private const uint SHT_STRTAB = 3;
        private const uint SHT_GNU_verdef = 0x6ffffffd;
        private const uint SHT_GNU_verneed = 0x6ffffffe;

        private const int Elf64HeaderSize = 64;
        private const int Elf64SectionHeaderSize = 64;
        private const int VerneedSize = 16;   // Elf64_Verneed
        private const int VernauxSize = 16;   // Elf64_Vernaux
        private const int VerdefSize = 20;    // Elf64_Verdef
        private const int VerdauxSize = 8;    // Elf64_Verdaux

        private readonly byte[] _data;
        private readonly List<Section> _sections;

        private ElfImage(byte[] data)
        {
            _data = data;
            _sections = ReadSectionHeaders();
        }

        public static ElfImage Load(string path) => new ElfImage(File.ReadAllBytes(path));

        public static ElfImage Parse(byte[] data) => new ElfImage(data);

        /// <summary>All version requirements (Verneed -> Vernaux chains) of every SHT_GNU_verneed section.</summary>
        public List<VersionNeed> ReadVersionNeeds()
        {
            var result = new List<VersionNeed>();
            foreach (Section section in _sections.Where(s => s.Type == SHT_GNU_verneed))
            {
                Section strings = LinkedStringTable(section);

                // sh_info holds the number of Verneed entries; vn_next == 0 also ends the chain.
                // Offsets only ever move forward (next fields are unsigned and non-zero) and every
                // read is bounds-checked, so a corrupt chain cannot loop forever.
                ulong entry = 0;
                for (uint i = 0; i < section.Info; i++)
                {
                    int vn = SectionOffset(section, entry, VerneedSize, "Elf64_Verneed");
                    ushort vnVersion = U16(vn);
                    if (vnVersion != 1)
                        throw new ElfFormatException($"unsupported Elf64_Verneed version {vnVersion} at file offset 0x{vn:x}");
                    ushort vnCount = U16(vn + 2);
                    // vn + 4 is vn_file (the library's name); matching on the version name suffices.
                    uint vnAux = U32(vn + 8);
                    uint vnNext = U32(vn + 12);

                    ulong aux = entry + vnAux;
                    for (int j = 0; j < vnCount; j++)
                    {
                        int vna = SectionOffset(section, aux, VernauxSize, "Elf64_Vernaux");
                        ushort flags = U16(vna + 4);
                        string name = ReadString(strings, U32(vna + 8));
                        result.Add(new VersionNeed(name, flags, vna + 4));

                        uint vnaNext = U32(vna + 12);
                        if (vnaNext == 0)
                            break;
                        aux += vnaNext;
                    }

                    if (vnNext == 0)
                        break;
                    entry += vnNext;
                }
            }
            return result;
        }

        /// <summary>Names of all versions defined (SHT_GNU_verdef) by this object, e.g. GLIBCXX_3.4.30.</summary>
        public HashSet<string> ReadVersionDefinitions()
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            foreach (Section section in _sections.Where(s => s.Type == SHT_GNU_verdef))
            {
                Section strings = LinkedStringTable(section);

                ulong entry = 0;
                for (uint i = 0; i < section.Info; i++)
                {
                    int vd = SectionOffset(section, entry, VerdefSize, "Elf64_Verdef");
                    ushort vdVersion = U16(vd);
                    if (vdVersion != 1)
                        throw new ElfFormatException($"unsupported Elf64_Verdef version {vdVersion} at file offset 0x{vd:x}");
                    ushort vdCount = U16(vd + 6);
                    uint vdAux = U32(vd + 12);
                    uint vdNext = U32(vd + 16);

                    // The first Verdaux names the version being defined; any further ones name its
                    // predecessors, which are defined by their own Verdef entries.
                    if (vdCount > 0)
                    {
                        int vda = SectionOffset(section, entry + vdAux, VerdauxSize, "Elf64_Verdaux");
                        result.Add(ReadString(strings, U32(vda)));
                    }

                    if (vdNext == 0)
                        break;
                    entry += vdNext;
                }
            }
            return result;
        }

        private List<Section> ReadSectionHeaders()
        {
            if (_data.Length < Elf64HeaderSize
                || _data[0] != 0x7f || _data[1] != (byte)'E' || _data[2] != (byte)'L' || _data[3] != (byte)'F')
                throw new ElfFormatException("missing ELF magic number");
            if (_data[4] != 2) // EI_CLASS
                throw new ElfFormatException($"ELF class {_data[4]} is not ELFCLASS64");
            if (_data[5] != 1) // EI_DATA
                throw new ElfFormatException($"ELF data encoding {_data[5]} is not ELFDATA2LSB (little-endian)");

            ulong shoff = U64(0x28);
            ushort shentsize = U16(0x3a);
            ulong shnum = U16(0x3c);

            if (shoff == 0)
                throw new ElfFormatException("file has no section header table");
            if (shentsize < Elf64SectionHeaderSize)
                throw new ElfFormatException($"section header size {shentsize} is smaller than Elf64_Shdr ({Elf64SectionHeaderSize})");

            // Extended numbering: with 0xff00 or more sections e_shnum is 0 and the real count is
            // stored in sh_size of section header 0.
            if (shnum == 0)
            {
                CheckRange(shoff, shentsize, "section header 0");
                shnum = U64((int)shoff + 32);
            }

            if (shnum > (ulong)_data.Length / shentsize)
                throw new ElfFormatException($"section count {shnum} cannot fit in a file of 0x{_data.Length:x} bytes");
            CheckRange(shoff, shnum * shentsize, "section header table");

            var sections = new List<Section>((int)shnum);
            for (ulong i = 0; i < shnum; i++)
            {
                int sh = (int)(shoff + i * shentsize);
                var section = new Section(
                    index: (int)i,
                    type: U32(sh + 4),
                    offset: U64(sh + 24),
                    size: U64(sh + 32),
                    link: U32(sh + 40),
                    info: U32(sh + 44));

                if (section.Type == SHT_GNU_verneed || section.Type == SHT_GNU_verdef || section.Type == SHT_STRTAB)
                    CheckRange(section.Offset, section.Size, $"section {i} contents");
                sections.Add(section);
            }
            return sections;
        }

        private Section LinkedStringTable(Section section)
        {
            if (section.Link >= (uint)_sections.Count)
                throw new ElfFormatException($"section {section.Index} links to nonexistent section {section.Link}");
            Section strings = _sections[(int)section.Link];
            if (strings.Type != SHT_STRTAB)
                throw new ElfFormatException($"section {section.Index} links to section {strings.Index}, which is not a string table");
            return strings;
        }

        /// <summary>File offset of a structure at <paramref name="relative"/> within a section, checked to fit.</summary>
        private static int SectionOffset(Section section, ulong relative, int size, string what)
        {
            if (relative > section.Size || (ulong)size > section.Size - relative)
                throw new ElfFormatException(
                    $"{what} at offset 0x{relative:x} runs past the end of section {section.Index} (size 0x{section.Size:x})");
            return checked((int)(section.Offset + relative));
        }

        private string ReadString(Section strings, uint offset)
        {
            if (offset >= strings.Size)
                throw new ElfFormatException($"string offset 0x{offset:x} is outside string table section {strings.Index}");
            int start = (int)(strings.Offset + offset);
            int end = (int)(strings.Offset + strings.Size);
            int nul = Array.IndexOf(_data, (byte)0, start, end - start);
            if (nul < 0)
                throw new ElfFormatException($"unterminated string at offset 0x{offset:x} in section {strings.Index}");
            return Encoding.UTF8.GetString(_data, start, nul - start);
        }

        private void CheckRange(ulong offset, ulong length, string what)
        {
            ulong fileLength = (ulong)_data.Length;
            if (offset > fileLength || length > fileLength - offset)
                throw new ElfFormatException(
                    $"{what} (offset 0x{offset:x}, size 0x{length:x}) extends past the end of the file (0x{fileLength:x} bytes)");
        }

        // Little-endian readers. Callers have bounds-checked the enclosing structure.
        private ushort U16(int o) => (ushort)(_data[o] | _data[o + 1] << 8);

        private uint U32(int o) => (uint)(_data[o] | _data[o + 1] << 8 | _data[o + 2] << 16 | _data[o + 3] << 24);

        private ulong U64(int o) => U32(o) | (ulong)U32(o + 4) << 32;

        private sealed class Section
        {
            public Section(int index, uint type, ulong offset, ulong size, uint link, uint info)
            {
                Index = index;
                Type = type;
                Offset = offset;
                Size = size;
                Link = link;
                Info = info;
            }

            public int Index { get; }
            public uint Type { get; }
            public ulong Offset { get; }
            public ulong Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }
    }
}
