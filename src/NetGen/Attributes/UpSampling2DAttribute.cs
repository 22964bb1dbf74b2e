namespace NetGen;

/// <summary>How <see cref="UpSampling2DAttribute"/> fills the new positions.</summary>
public enum UpSamplingMode
{
    /// <summary>Each value repeated (PyTorch's <c>mode='nearest'</c>, Keras's default).</summary>
    Nearest,

    /// <summary>Bilinear interpolation with <c>align_corners=False</c> (PyTorch's <c>mode='bilinear'</c>, Keras's <c>interpolation="bilinear"</c>).</summary>
    Bilinear,
}

/// <summary>
/// Scales a (channels, height, width) input up by whole factors, as PyTorch's <c>nn.Upsample(scale_factor=...)</c> and
/// Keras's <c>UpSampling2D(size=...)</c>: the decoder half of a convolutional autoencoder or a U-Net. No parameters.
/// </summary>
/// <example><c>[UpSampling2D(2)]</c>: 16x7x7 -> 16x14x14; <c>[UpSampling2D(2, 3, Mode = UpSamplingMode.Bilinear)]</c>.</example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UpSampling2DAttribute : LayerAttribute
{
    /// <summary>The same factor for height and width.</summary>
    public UpSampling2DAttribute(int scale) : this(scale, scale)
    {
    }

    /// <summary>Separate factors for height and width.</summary>
    public UpSampling2DAttribute(int scaleHeight, int scaleWidth)
    {
        ScaleHeight = scaleHeight;
        ScaleWidth = scaleWidth;
    }

    /// <summary>The factor for the height.</summary>
    public int ScaleHeight { get; }

    /// <summary>The factor for the width.</summary>
    public int ScaleWidth { get; }

    /// <summary>Nearest (default) or bilinear.</summary>
    public UpSamplingMode Mode { get; set; }
}
