using System.Buffers.Binary;
using System.Text;

namespace EdgeBench.Inference.TorchSharp.Native;

/// <summary>One version requirement of a shared object: an <c>Elf64_Vernaux</c> under an <c>Elf64_Verneed</c>.</summary>
/// <param name="File">The library that must provide the version (<c>vn_file</c>), e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name (<c>vna_name</c>), e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">vna_flags; <see cref="ElfSymbolVersions.VerFlagWeak"/> marks a weak requirement.</param>
/// <param name="FlagsOffset">File offset of the 16-bit vna_flags field.</param>
internal readonly record struct ElfVersionNeed(string File, string Version, ushort Flags, long FlagsOffset)
{
    public bool IsWeak => (Flags & ElfSymbolVersions.VerFlagWeak) != 0;
}

/// <summary>
/// Reads the GNU symbol-versioning sections of a 64-bit little-endian ELF file: the version requirements
/// (<c>.gnu.version_r</c>, SHT_GNU_verneed) and definitions (<c>.gnu.version_d</c>, SHT_GNU_verdef), following the
/// linked lists through vn_next/vna_next and vd_next/vda_next as the dynamic loader does (elf.h layouts), with names
/// from the section that sh_link points at. Every offset is bounds-checked; a malformed file raises
/// <see cref="InvalidDataException"/> rather than being patched.
/// </summary>
internal static class ElfSymbolVersions
{
    /// <summary>VER_FLG_WEAK: the loader only warns when a weak version is missing instead of refusing to load.</summary>
    public const ushort VerFlagWeak = 0x2;

    private const uint ShtNoBits = 8;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const int SectionHeaderSize = 64;

    /// <summary>Every version requirement of the file, in file order.</summary>
    public static IReadOnlyList<ElfVersionNeed> ReadNeeds(ReadOnlySpan<byte> elf)
    {
        var needs = new List<ElfVersionNeed>();
        foreach (Section section in Sections(elf, ShtGnuVerneed))
        {
            Section strings = SectionAt(elf, section.Link);
            long entry = section.Offset;
            // sh_info holds the number of Elf64_Verneed entries.
            for (uint i = 0; i < section.Info; i++)
            {
                CheckRange(elf, entry, 16, section);
                ushort count = U16(elf, entry + 2);
                string file = String(elf, strings, U32(elf, entry + 4));
                uint auxOffset = U32(elf, entry + 8);
                uint next = U32(elf, entry + 12);
                long aux = entry + auxOffset;
                for (int a = 0; a < count; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                    CheckRange(elf, aux, 16, section);
                    needs.Add(new ElfVersionNeed(file, String(elf, strings, U32(elf, aux + 8)), U16(elf, aux + 4), aux + 4));
                    uint auxNext = U32(elf, aux + 12);
                    if (auxNext == 0)
                    {
                        break;
                    }

                    aux += auxNext;
                }

                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return needs;
    }

    /// <summary>Every version the file defines (for a library such as libstdc++: GLIBCXX_3.4, ..., GLIBCXX_3.4.30).</summary>
    public static IReadOnlyList<string> ReadDefinitions(ReadOnlySpan<byte> elf)
    {
        var definitions = new List<string>();
        foreach (Section section in Sections(elf, ShtGnuVerdef))
        {
            Section strings = SectionAt(elf, section.Link);
            long entry = section.Offset;
            for (uint i = 0; i < section.Info; i++)
            {
                // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32.
                CheckRange(elf, entry, 20, section);
                ushort count = U16(elf, entry + 6);
                uint auxOffset = U32(elf, entry + 12);
                uint next = U32(elf, entry + 16);
                if (count > 0)
                {
                    // The first Elf64_Verdaux (vda_name u32, vda_next u32) names the version; later ones name its parents.
                    CheckRange(elf, entry + auxOffset, 8, section);
                    definitions.Add(String(elf, strings, U32(elf, entry + auxOffset)));
                }

                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return definitions;
    }

    private static List<Section> Sections(ReadOnlySpan<byte> elf, uint type)
    {
        CheckHeader(elf);
        long sectionHeaders = (long)U64(elf, 0x28);
        ushort entrySize = U16(elf, 0x3A);
        ushort count = U16(elf, 0x3C);
        if (entrySize != SectionHeaderSize)
        {
            throw new InvalidDataException($"ELF section header size {entrySize}, expected {SectionHeaderSize}.");
        }

        var found = new List<Section>();
        for (int i = 0; i < count; i++)
        {
            Section section = SectionAt(elf, (uint)i, sectionHeaders, count);
            if (section.Type == type)
            {
                found.Add(section);
            }
        }

        return found;
    }

    private static Section SectionAt(ReadOnlySpan<byte> elf, uint index) =>
        SectionAt(elf, index, (long)U64(elf, 0x28), U16(elf, 0x3C));

    private static Section SectionAt(ReadOnlySpan<byte> elf, uint index, long sectionHeaders, int count)
    {
        if (index >= count)
        {
            throw new InvalidDataException($"ELF section index {index} out of range ({count} sections).");
        }

        long header = sectionHeaders + (index * SectionHeaderSize);
        if (header < 0 || header + SectionHeaderSize > elf.Length)
        {
            throw new InvalidDataException("ELF section header lies outside the file.");
        }

        // Elf64_Shdr: sh_name u32, sh_type u32, sh_flags u64, sh_addr u64, sh_offset u64, sh_size u64, sh_link u32, sh_info u32, ...
        var section = new Section(U32(elf, header + 4), (long)U64(elf, header + 24), (long)U64(elf, header + 32),
            U32(elf, header + 40), U32(elf, header + 44));
        // SHT_NOBITS (.bss) occupies no file bytes, so only sections with contents must lie inside the file.
        if (section.Type != ShtNoBits && (section.Offset < 0 || section.Size < 0 || section.Offset + section.Size > elf.Length))
        {
            throw new InvalidDataException($"ELF section {index} lies outside the file.");
        }

        return section;
    }

    private static void CheckHeader(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("Not an ELF file.");
        }

        // EI_CLASS 2 = ELFCLASS64, EI_DATA 1 = little-endian: the only layout read here (x86-64, arm64).
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("Not a 64-bit little-endian ELF file.");
        }
    }

    private static void CheckRange(ReadOnlySpan<byte> elf, long offset, int length, Section section)
    {
        if (offset < section.Offset || offset + length > section.Offset + section.Size || offset + length > elf.Length)
        {
            throw new InvalidDataException("ELF version entry lies outside its section.");
        }
    }

    private static string String(ReadOnlySpan<byte> elf, Section strings, uint offset)
    {
        if (offset >= strings.Size)
        {
            throw new InvalidDataException("ELF string offset outside the string table.");
        }

        ReadOnlySpan<byte> rest = elf.Slice((int)(strings.Offset + offset), (int)(strings.Size - offset));
        int end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new InvalidDataException("Unterminated ELF string.");
        }

        return Encoding.ASCII.GetString(rest[..end]);
    }

    private static ushort U16(ReadOnlySpan<byte> elf, long offset) => BinaryPrimitives.ReadUInt16LittleEndian(elf.Slice(checked((int)offset), 2));

    private static uint U32(ReadOnlySpan<byte> elf, long offset) => BinaryPrimitives.ReadUInt32LittleEndian(elf.Slice(checked((int)offset), 4));

    private static ulong U64(ReadOnlySpan<byte> elf, long offset) => BinaryPrimitives.ReadUInt64LittleEndian(elf.Slice(checked((int)offset), 8));

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);
}
