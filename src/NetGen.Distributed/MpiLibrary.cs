using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace NetGen.Distributed;

/// <summary>
/// Finds the MPI runtime for MPI.NET and checks that it is one MPI.NET can talk to.
/// </summary>
/// <remarks>
/// MPI.NET 1.4.0's P/Invoke layer (<c>MPI.Unsafe</c>) imports <c>msmpi.dll</c> and bakes in MS-MPI's
/// handle values (<c>MPI_COMM_WORLD = 0x44000000</c>, <c>MPI_FLOAT = 0x4c00040a</c>, <c>MPI_SUM = 0x58000003</c>...).
/// MS-MPI descends from MPICH and MPICH uses the same integer handles, so on Linux a
/// <see cref="NativeLibrary.SetDllImportResolver"/> on the MPI.NET assembly maps the import to MPICH's
/// <c>libmpich.so.12</c>. Open MPI's handles are pointers to structs, a different ABI: it is rejected with a clear
/// error rather than crashing. <c>NETGEN_MPI_LIBRARY</c> names another MPICH-ABI library (Intel MPI, a custom build).
/// </remarks>
internal static unsafe class MpiLibrary
{
    /// <summary>Environment variable that names the MPI library to load instead of the defaults.</summary>
    internal const string LibraryVariable = "NETGEN_MPI_LIBRARY";

    /// <summary>MPICH-ABI library names tried in order (Debian's libmpich12, Fedora's and Intel MPI's libmpi.so.12, macOS).</summary>
    internal static readonly string[] DefaultCandidates = ["libmpich.so.12", "libmpi.so.12", "libmpich.12.dylib", "libmpi.12.dylib"];

    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static IntPtr _handle;

    /// <summary>The library that was loaded, or null before <see cref="EnsureLoaded"/> succeeds (and on Windows, where MS-MPI is used as is).</summary>
    internal static string? LoadedName { get; private set; }

    /// <summary>What the library says it is (<c>MPI_Get_library_version</c>), first line only.</summary>
    internal static string Version { get; private set; } = "unknown";

    /// <summary>
    /// Loads the MPI library and routes MPI.NET's <c>msmpi.dll</c> imports to it. Idempotent. Call before any MPI.NET call.
    /// </summary>
    /// <exception cref="MpiUnavailableException">No MPICH-compatible library can be loaded, or the one found is Open MPI.</exception>
    internal static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (OperatingSystem.IsWindows())
            {
                // MPI.NET was built for MS-MPI: its own msmpi.dll import resolves as it is.
                _loaded = true;
                return;
            }

            string? requested = Environment.GetEnvironmentVariable(LibraryVariable);
            string[] candidates = string.IsNullOrWhiteSpace(requested) ? DefaultCandidates : [requested];
            foreach (string candidate in candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
                {
                    _handle = handle;
                    LoadedName = candidate;
                    break;
                }
            }

            if (_handle == IntPtr.Zero)
            {
                throw new MpiUnavailableException(
                    $"No MPI library found: tried {string.Join(", ", candidates)}" +
                    (string.IsNullOrWhiteSpace(requested) ? "" : $" (from {LibraryVariable})") +
                    ". Install MPICH (Debian/Ubuntu: apt-get install mpich libmpich-dev) and launch with mpirun.mpich -np N, " +
                    $"or set {LibraryVariable} to an MPICH-ABI library. Open MPI is not supported: MPI.NET 1.4.0 speaks MPICH's handle ABI.");
            }

            Version = ReadVersion(_handle);
            if (Version.Contains("Open MPI", StringComparison.OrdinalIgnoreCase) || NativeLibrary.TryGetExport(_handle, "ompi_mpi_comm_world", out _))
            {
                throw new MpiUnavailableException(
                    $"{LoadedName} is Open MPI ({Version}), whose handle ABI MPI.NET 1.4.0 cannot use. Install MPICH " +
                    $"(apt-get install mpich libmpich-dev), launch with mpirun.mpich, or point {LibraryVariable} at libmpich.so.12.");
            }

            try
            {
                NativeLibrary.SetDllImportResolver(typeof(MPI.Unsafe).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // The application installed its own resolver for MPI.NET first: respect it.
            }

            _loaded = true;
        }
    }

    /// <summary>
    /// The non-blocking functions of MPI-3 that MPI.NET 1.4.0 predates (<c>MPI_Iallreduce</c>, <c>MPI_Testall</c>,
    /// <c>MPI_Waitall</c>), as function pointers into the loaded library; null where it lacks them. MPICH's handles,
    /// requests included, are C ints; MPI_STATUSES_IGNORE is (MPI_Status*)1.
    /// </summary>
    internal static NonBlocking? NonBlockingFunctions()
    {
        IntPtr handle = _handle;
        if (handle == IntPtr.Zero && !NativeLibrary.TryLoad("msmpi.dll", out handle)) return null;
        if (!NativeLibrary.TryGetExport(handle, "MPI_Iallreduce", out IntPtr allReduce)
            || !NativeLibrary.TryGetExport(handle, "MPI_Testall", out IntPtr testAll)
            || !NativeLibrary.TryGetExport(handle, "MPI_Waitall", out IntPtr waitAll))
        {
            return null;
        }

        return new NonBlocking(
            (delegate* unmanaged<IntPtr, IntPtr, int, int, int, int, int*, int>)allReduce,
            (delegate* unmanaged<int, int*, int*, IntPtr, int>)testAll,
            (delegate* unmanaged<int, int*, IntPtr, int>)waitAll);
    }

    /// <summary>MPI_Iallreduce(send, receive, count, datatype, op, comm, request*), MPI_Testall(count, requests, flag*, statuses), MPI_Waitall(count, requests, statuses).</summary>
    internal sealed class NonBlocking(
        delegate* unmanaged<IntPtr, IntPtr, int, int, int, int, int*, int> allReduce,
        delegate* unmanaged<int, int*, int*, IntPtr, int> testAll,
        delegate* unmanaged<int, int*, IntPtr, int> waitAll)
    {
        /// <summary>MPI_STATUSES_IGNORE in MPICH and MS-MPI.</summary>
        public static readonly IntPtr StatusesIgnore = new(1);

        public readonly delegate* unmanaged<IntPtr, IntPtr, int, int, int, int, int*, int> AllReduce = allReduce;
        public readonly delegate* unmanaged<int, int*, int*, IntPtr, int> TestAll = testAll;
        public readonly delegate* unmanaged<int, int*, IntPtr, int> WaitAll = waitAll;
    }

    /// <summary>Whether a DllImport name is MPI.NET's MS-MPI import (<c>msmpi.dll</c>, <c>msmpi</c>).</summary>
    internal static bool IsMsMpiImport(string libraryName) =>
        libraryName.Equals("msmpi.dll", StringComparison.OrdinalIgnoreCase) || libraryName.Equals("msmpi", StringComparison.OrdinalIgnoreCase);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        IsMsMpiImport(libraryName) ? _handle : IntPtr.Zero;

    // MPI_Get_library_version may be called before MPI_Init (MPI 3.0, section 8.1.1).
    private static string ReadVersion(IntPtr handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "MPI_Get_library_version", out IntPtr export)) return "unknown (no MPI_Get_library_version)";
        const int MaxLibraryVersion = 8192; // MPICH's MPI_MAX_LIBRARY_VERSION_STRING; Open MPI's is 256
        byte* buffer = stackalloc byte[MaxLibraryVersion];
        int length = 0;
        var getVersion = (delegate* unmanaged<byte*, int*, int>)export;
        if (getVersion(buffer, &length) != 0 || length <= 0) return "unknown";
        string text = Encoding.UTF8.GetString(buffer, Math.Min(length, MaxLibraryVersion)).TrimEnd('\0');
        int newline = text.IndexOf('\n');
        string firstLine = (newline >= 0 ? text[..newline] : text).Trim();
        return string.Join(' ', firstLine.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)); // "MPICH Version:\t4.0.2" -> one space
    }
}
