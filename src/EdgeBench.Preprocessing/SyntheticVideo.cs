using EdgeBench.Core.Imaging;

namespace EdgeBench.Preprocessing;

/// <summary>
/// A deterministic synthetic camera: RGB24 frames of a simple scene (sky gradient, a scrolling tiled ground, a few
/// shaded circles and boxes moving and bouncing, light sensor noise). Frame <c>k</c> depends only on the seed, the
/// size and <c>k</c>, so benchmarks get the same input everywhere without shipping video files, and consecutive
/// frames differ the way camera frames do (moving objects, mostly static background).
/// </summary>
public sealed class SyntheticVideo
{
    private readonly SceneObject[] _objects;
    private readonly int _horizon;
    private readonly uint _noiseSeed;

    /// <summary>Creates a video of <paramref name="width"/> x <paramref name="height"/> (640x480 by default).</summary>
    /// <param name="width">Frame width in pixels.</param>
    /// <param name="height">Frame height in pixels.</param>
    /// <param name="seed">Chooses the objects' shapes, colours, sizes, start positions and velocities, and the noise.</param>
    /// <param name="objectCount">How many moving objects the scene holds.</param>
    public SyntheticVideo(int width = 640, int height = 480, int seed = 1, int objectCount = 6)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegative(objectCount);
        Width = width;
        Height = height;
        Seed = seed;
        _horizon = height * 2 / 5;

        var random = new SplitMix64((ulong)seed);
        _noiseSeed = (uint)random.Next();
        _objects = new SceneObject[objectCount];
        int minSide = Math.Min(width, height);
        for (int i = 0; i < objectCount; i++)
        {
            // Sizes between 1/16 and 1/5 of the short side; speeds up to ~1% of the width per frame in each axis.
            double size = Math.Max(1, minSide * random.NextDouble(1.0 / 16, 1.0 / 5));
            double speed = Math.Max(1, width / 100.0);
            _objects[i] = new SceneObject(
                IsCircle: i % 2 == 0, // alternate, so every scene has both round and straight edges
                HalfSize: size / 2,
                X0: random.NextDouble(0, width),
                Y0: random.NextDouble(0, height),
                Vx: random.NextDouble(-speed, speed),
                Vy: random.NextDouble(-speed, speed) * 0.6,
                R: (byte)random.NextDouble(40, 255),
                G: (byte)random.NextDouble(40, 255),
                B: (byte)random.NextDouble(40, 255));
        }
    }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>The seed the scene was built from.</summary>
    public int Seed { get; }

    /// <summary>Always <see cref="PixelFormat.Rgb24"/>.</summary>
    public static PixelFormat Format => PixelFormat.Rgb24;

    /// <summary>Bytes per row of a rendered frame (tightly packed: <c>Width * 3</c>).</summary>
    public int Stride => Width * FrameBuffer.BytesPerPixel;

    /// <summary>Bytes of one frame: <c>Stride * Height</c>.</summary>
    public int FrameBytes => Stride * Height;

    /// <summary>Renders frame <paramref name="frameIndex"/> into <paramref name="destination"/> (packed RGB24), allocating nothing.</summary>
    public void Render(long frameIndex, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        if (destination.Length < FrameBytes)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes; a {Width}x{Height} RGB24 frame needs {FrameBytes}.", nameof(destination));
        }

        RenderBackground(frameIndex, destination);
        foreach (SceneObject o in _objects)
        {
            RenderObject(o, frameIndex, destination);
        }
    }

    /// <summary>Renders frame <paramref name="frameIndex"/> into <paramref name="destination"/> and describes it as a frame.</summary>
    public FrameBuffer RenderFrame(long frameIndex, Memory<byte> destination)
    {
        Render(frameIndex, destination.Span);
        return new FrameBuffer(Width, Height, Stride, Format, destination[..FrameBytes]);
    }

    private void RenderBackground(long frameIndex, Span<byte> destination)
    {
        // The ground tiles scroll sideways by 2 px per frame, like a slowly panning camera; the sky stays put.
        int scroll = (int)(frameIndex * 2 % 1_000_000);
        int tileWidth = Math.Max(2, Width / 20);
        int tileHeight = Math.Max(2, Height / 20);
        uint frameSalt = (uint)frameIndex * 0x9E3779B9u;

        for (int y = 0; y < Height; y++)
        {
            Span<byte> row = destination.Slice(y * Stride, Stride);
            int r, g, b;
            if (y < _horizon)
            {
                // Sky: deep blue at the top fading to a pale haze at the horizon.
                int t = _horizon <= 1 ? 0 : y * 256 / _horizon;
                r = 60 + (120 * t / 256);
                g = 110 + (100 * t / 256);
                b = 190 + (50 * t / 256);
            }
            else
            {
                // Ground: darker green toward the bottom (closer to the camera).
                int t = (y - _horizon) * 256 / Math.Max(1, Height - _horizon);
                r = 110 - (50 * t / 256);
                g = 150 - (60 * t / 256);
                b = 80 - (40 * t / 256);
            }

            for (int x = 0; x < Width; x++)
            {
                int rr = r, gg = g, bb = b;
                if (y >= _horizon && ((((x + scroll) / tileWidth) + (y / tileHeight)) & 1) == 0)
                {
                    rr += 18;
                    gg += 18;
                    bb += 10;
                }

                // Sensor noise of +-3 levels, hashed from (x, y, frame) so it is deterministic but changes every frame.
                uint h = Hash((uint)x, (uint)y, frameSalt ^ _noiseSeed);
                int n = (int)(h % 7) - 3;
                row[x * 3] = Clamp(rr + n);
                row[(x * 3) + 1] = Clamp(gg + n);
                row[(x * 3) + 2] = Clamp(bb + n);
            }
        }
    }

    private void RenderObject(in SceneObject o, long frameIndex, Span<byte> destination)
    {
        double cx = Bounce(o.X0 + (o.Vx * frameIndex), Width);
        double cy = Bounce(o.Y0 + (o.Vy * frameIndex), Height);
        double half = o.HalfSize;
        int x0 = Math.Max(0, (int)Math.Floor(cx - half));
        int x1 = Math.Min(Width - 1, (int)Math.Ceiling(cx + half));
        int y0 = Math.Max(0, (int)Math.Floor(cy - half));
        int y1 = Math.Min(Height - 1, (int)Math.Ceiling(cy + half));

        for (int y = y0; y <= y1; y++)
        {
            double dy = y + 0.5 - cy;
            for (int x = x0; x <= x1; x++)
            {
                double dx = x + 0.5 - cx;
                double shade;
                if (o.IsCircle)
                {
                    if ((dx * dx) + (dy * dy) > half * half)
                    {
                        continue;
                    }

                    // Lit from the upper left: brighter toward that side, so the object has structure to resize.
                    shade = 1.0 - (0.35 * (dx + dy + (2 * half)) / (4 * half));
                }
                else
                {
                    if (Math.Abs(dx) > half || Math.Abs(dy) > half)
                    {
                        continue;
                    }

                    // A box with a darker rim.
                    shade = Math.Max(Math.Abs(dx), Math.Abs(dy)) > half * 0.8 ? 0.55 : 0.95;
                }

                int i = (y * Stride) + (x * 3);
                destination[i] = Clamp((int)(o.R * shade));
                destination[i + 1] = Clamp((int)(o.G * shade));
                destination[i + 2] = Clamp((int)(o.B * shade));
            }
        }
    }

    /// <summary>Reflects a free-running coordinate into [0, size], so objects bounce off the frame edges.</summary>
    private static double Bounce(double position, int size)
    {
        double period = 2.0 * size;
        double m = position % period;
        if (m < 0)
        {
            m += period;
        }

        return m <= size ? m : period - m;
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);

    private static uint Hash(uint x, uint y, uint salt)
    {
        uint h = (x * 0x8DA6B343u) ^ (y * 0xD8163841u) ^ salt;
        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        h ^= h >> 12;
        return h;
    }

    private readonly record struct SceneObject(bool IsCircle, double HalfSize, double X0, double Y0, double Vx, double Vy, byte R, byte G, byte B);

    /// <summary>SplitMix64: a tiny, well-mixed generator whose output is fixed by its definition (unlike System.Random's).</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15ul;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBul;
            return z ^ (z >> 31);
        }

        public double NextDouble(double min, double max) => min + ((max - min) * ((Next() >> 11) * (1.0 / (1ul << 53))));
    }
}
