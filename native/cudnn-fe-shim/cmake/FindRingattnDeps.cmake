# Locates cuDNN, NCCL and the cudnn-frontend headers for the shim and defines imported targets:
#   ringattn::cudnn   ringattn::nccl   ringattn::cudnn_frontend (headers only)
# Hints: CUDNN_PATH / CUDNN_INCLUDE_PATH / CUDNN_LIBRARY_PATH (cmake or environment), NCCL_ROOT / NCCL_HOME,
# CUDNN_FRONTEND_INCLUDE_DIR (cmake or environment). Without the frontend headers it fetches tag v1.23.0.

# ---- cuDNN: system packages put cudnn.h under include/<multiarch>; pip wheels ship only libcudnn.so.9 ----
find_path(CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${CUDNN_INCLUDE_PATH} $ENV{CUDNN_INCLUDE_PATH} ${CUDNN_PATH} $ENV{CUDNN_PATH} ${CUDAToolkit_INCLUDE_DIRS}
  PATH_SUFFIXES include include/x86_64-linux-gnu include/aarch64-linux-gnu)
find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9
  HINTS ${CUDNN_LIBRARY_PATH} $ENV{CUDNN_LIBRARY_PATH} ${CUDNN_PATH} $ENV{CUDNN_PATH} ${CUDAToolkit_LIBRARY_DIR}
  PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu)
if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
  message(FATAL_ERROR "RingAttention: cuDNN 9 was not found (cudnn.h: '${CUDNN_INCLUDE_DIR}', libcudnn: "
    "'${CUDNN_LIBRARY}'); set CUDNN_PATH to its install prefix, or configure with -DRINGATTN_BUILD_NATIVE=OFF.")
endif()
add_library(ringattn::cudnn UNKNOWN IMPORTED)
set_target_properties(ringattn::cudnn PROPERTIES IMPORTED_LOCATION "${CUDNN_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}")
message(STATUS "RingAttention: cuDNN ${CUDNN_LIBRARY} (headers ${CUDNN_INCLUDE_DIR})")

# ---- NCCL ----
find_path(NCCL_INCLUDE_DIR nccl.h
  HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${NCCL_HOME} $ENV{NCCL_HOME} ${CUDAToolkit_INCLUDE_DIRS}
  PATH_SUFFIXES include)
find_library(NCCL_LIBRARY NAMES nccl libnccl.so.2
  HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${NCCL_HOME} $ENV{NCCL_HOME} ${CUDAToolkit_LIBRARY_DIR}
  PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu)
if(NOT NCCL_INCLUDE_DIR OR NOT NCCL_LIBRARY)
  message(FATAL_ERROR "RingAttention: NCCL was not found (nccl.h: '${NCCL_INCLUDE_DIR}', libnccl: "
    "'${NCCL_LIBRARY}'); set NCCL_ROOT to its install prefix, or configure with -DRINGATTN_BUILD_NATIVE=OFF.")
endif()
add_library(ringattn::nccl UNKNOWN IMPORTED)
set_target_properties(ringattn::nccl PROPERTIES IMPORTED_LOCATION "${NCCL_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${NCCL_INCLUDE_DIR}")
message(STATUS "RingAttention: NCCL ${NCCL_LIBRARY} (headers ${NCCL_INCLUDE_DIR})")

# ---- cudnn-frontend (header only): never vendored; a local checkout's include dir, else the pinned tag ----
if(NOT CUDNN_FRONTEND_INCLUDE_DIR AND DEFINED ENV{CUDNN_FRONTEND_INCLUDE_DIR})
  set(CUDNN_FRONTEND_INCLUDE_DIR "$ENV{CUDNN_FRONTEND_INCLUDE_DIR}")
endif()
set(CUDNN_FRONTEND_INCLUDE_DIR "${CUDNN_FRONTEND_INCLUDE_DIR}" CACHE PATH "cudnn-frontend include directory")
if(NOT CUDNN_FRONTEND_INCLUDE_DIR OR NOT EXISTS "${CUDNN_FRONTEND_INCLUDE_DIR}/cudnn_frontend.h")
  include(FetchContent)
  message(STATUS "RingAttention: CUDNN_FRONTEND_INCLUDE_DIR not set; fetching cudnn-frontend v1.23.0")
  FetchContent_Declare(cudnn_frontend_src
    GIT_REPOSITORY https://github.com/NVIDIA/cudnn-frontend.git
    GIT_TAG v1.23.0
    GIT_SHALLOW TRUE
    # Headers only: a SOURCE_SUBDIR without CMakeLists.txt populates the source without adding its project.
    SOURCE_SUBDIR ringattn-headers-only)
  FetchContent_MakeAvailable(cudnn_frontend_src)
  set(CUDNN_FRONTEND_INCLUDE_DIR "${cudnn_frontend_src_SOURCE_DIR}/include" CACHE PATH "" FORCE)
endif()
add_library(ringattn::cudnn_frontend INTERFACE IMPORTED)
set_target_properties(ringattn::cudnn_frontend PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_FRONTEND_INCLUDE_DIR}")
message(STATUS "RingAttention: cudnn-frontend headers ${CUDNN_FRONTEND_INCLUDE_DIR}")
