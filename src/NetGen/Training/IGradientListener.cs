namespace NetGen;

/// <summary>
/// Told during a training backward pass, layer by layer from the last to the first, as soon as a parameter layer's
/// gradients are final for this pass (penalty gradients included), so that work on them (an all-reduce across
/// processes) can start while the backward pass goes on through the earlier layers. See
/// <see cref="INetwork.GradientListener"/>.
/// </summary>
public interface IGradientListener
{
    /// <summary>
    /// <c>Gradients[offset .. offset + count)</c>, one parameter layer's range, will not be written again by the current
    /// <c>ComputeGradients</c>/<c>TrainStep</c> call. Ranges arrive in decreasing <paramref name="offset"/> order and
    /// together cover every gradient once per pass.
    /// </summary>
    void OnGradientsReady(int offset, int count);
}
