using System.Diagnostics;

namespace NetGen.Benchmarks;

/// <summary>
/// The core-to-core round trip, as ../shared/bench/onnxruntime's <c>OrtPeer probe</c> measures it: two spinning
/// threads pass a counter back and forth. On this VM it tells where the host put the two vCPUs (about 70-130 ns:
/// cores that share an L3; 340-490 ns: cores that do not), which moves every split kernel's figure.
/// </summary>
internal static class RoundTrip
{
    private static int s_ball;

    /// <summary>Mean nanoseconds of one round trip over <paramref name="trips"/> trips (after 1,000 unmeasured ones).</summary>
    public static double Nanoseconds(int trips = 20_000)
    {
        const int Warm = 1_000;
        Volatile.Write(ref s_ball, 0);
        var partner = new Thread(() =>
        {
            for (int i = 0; i < Warm + trips; i++)
            {
                while (Volatile.Read(ref s_ball) != 2 * i + 1) { }
                Volatile.Write(ref s_ball, 2 * i + 2);
            }
        }) { IsBackground = true };
        partner.Start();
        long start = 0;
        for (int i = 0; i < Warm + trips; i++)
        {
            if (i == Warm) start = Stopwatch.GetTimestamp();
            Volatile.Write(ref s_ball, 2 * i + 1);
            while (Volatile.Read(ref s_ball) != 2 * i + 2) { }
        }
        double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / trips;
        partner.Join();
        return ns;
    }
}
