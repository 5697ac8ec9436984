namespace RingAttention.Interop;

/// <summary>Versions of the native shim and of the libraries it was built against and loaded (ringattn_get_versions).</summary>
/// <param name="Shim">Shim version, major*10000 + minor*100 + patch.</param>
/// <param name="Abi">ABI version of the loaded library.</param>
/// <param name="CudnnRuntime">cuDNN version loaded at run time, e.g. 91400 for 9.14.0.</param>
/// <param name="CudnnCompiled">cuDNN version of the headers the shim was compiled with.</param>
/// <param name="CudnnFrontend">cudnn-frontend version compiled in, e.g. 12300 for 1.23.0.</param>
/// <param name="NcclRuntime">NCCL version loaded at run time, e.g. 22803 for 2.28.3.</param>
/// <param name="NcclCompiled">NCCL version of the headers the shim was compiled with.</param>
/// <param name="CudaRuntime">CUDA runtime version, e.g. 13000.</param>
/// <param name="CudaDriver">Highest CUDA version the installed driver supports; 0 when there is no driver.</param>
/// <param name="LibraryPath">Where libringattn_shim.so was loaded from.</param>
public sealed record NativeVersions(
    int Shim,
    int Abi,
    long CudnnRuntime,
    long CudnnCompiled,
    long CudnnFrontend,
    int NcclRuntime,
    int NcclCompiled,
    int CudaRuntime,
    int CudaDriver,
    string LibraryPath);
