using System.Runtime.InteropServices;

namespace Replication.Processes;

/// <summary>The signals the graph sends: <see cref="System.Diagnostics.Process"/> can only kill.</summary>
public enum Signal
{
    /// <summary>SIGTERM: stop cleanly.</summary>
    Terminate,

    /// <summary>SIGKILL: die now, as in a crash.</summary>
    Kill,

    /// <summary>SIGSTOP: freeze, as a hung process or a paused VM would.</summary>
    Stop,

    /// <summary>SIGCONT: resume a frozen process.</summary>
    Continue,
}

/// <summary>Sends POSIX signals with each platform's own numbers (SIGSTOP is 19 on Linux and 17 on macOS).</summary>
public static partial class Signals
{
    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/> with kill(2).</summary>
    /// <param name="pid">The process.</param>
    /// <param name="signal">The signal.</param>
    /// <exception cref="PlatformNotSupportedException">The platform has no POSIX signals (Windows).</exception>
    /// <exception cref="InvalidOperationException">kill(2) failed, e.g. the process is gone.</exception>
    public static void Send(int pid, Signal signal)
    {
        Posix.EnsureSupported($"Sending {NameOf(signal)}");
        if (SendSignal(pid, NumberOf(signal)) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {NameOf(signal)}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>The signal's conventional name, e.g. SIGSTOP.</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>Its name.</returns>
    public static string NameOf(Signal signal) => signal switch
    {
        Signal.Terminate => "SIGTERM",
        Signal.Kill => "SIGKILL",
        Signal.Stop => "SIGSTOP",
        Signal.Continue => "SIGCONT",
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, null),
    };

    /// <summary>The platform's number for <paramref name="signal"/>: Linux's, or the BSDs' (macOS, FreeBSD).</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>The number kill(2) takes.</returns>
    public static int NumberOf(Signal signal) => (signal, OperatingSystem.IsLinux()) switch
    {
        (Signal.Terminate, _) => 15,
        (Signal.Kill, _) => 9,
        (Signal.Stop, true) => 19,
        (Signal.Stop, false) => 17,
        (Signal.Continue, true) => 18,
        (Signal.Continue, false) => 19,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, null),
    };

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
