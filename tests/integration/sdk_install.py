"""What a plugin author does, scripted: install the built tree into a prefix, then build
a plugin in a fresh folder of its own against nothing but that installed SDK."""

import concurrent.futures
import os
import pathlib
import shutil
import subprocess

BUILD_DIR = os.environ.get("PROXY_BUILD_DIR", "")
CXX_COMPILER = os.environ.get("PROXY_CXX_COMPILER", "")
C_COMPILER = os.environ.get("PROXY_C_COMPILER", "")
SANITIZER_FLAGS = "-fsanitize=address,undefined -fno-omit-frame-pointer"


def run(command, cwd=None, timeout=900, env=None):
    """Runs a command to completion; fails with its whole output when it fails."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited {done.returncode}:\n"
                             f"{done.stdout}\n{done.stderr}")
    return done.stdout


def install(prefix):
    """`cmake --install` of the tree under test into `prefix`."""
    if not BUILD_DIR:
        raise AssertionError("PROXY_BUILD_DIR must name the build tree")
    return run(["cmake", "--install", BUILD_DIR, "--prefix", prefix])


def package_dir(prefix):
    """The folder holding ProxySdkConfig.cmake under `prefix`."""
    found = sorted(pathlib.Path(prefix).glob("lib*/**/cmake/ProxySdk/ProxySdkConfig.cmake"))
    if not found:
        raise AssertionError(f"no ProxySdkConfig.cmake under {prefix}")
    return found[0].parent


def build_plugin(source, work, prefix, name=None, sanitize=False):
    """Copies the plugin project at `source` to <work>/src/<name> and builds it in
    <work>/build/<name> with find_package(ProxySdk) pointed at `prefix` only, warnings
    as errors. Returns the build folder, which holds lib<plugin>.so."""
    name = name or pathlib.Path(source).name
    src = pathlib.Path(work) / "src" / name
    build = pathlib.Path(work) / "build" / name
    shutil.copytree(source, src)
    flags = "-Werror" + (" " + SANITIZER_FLAGS if sanitize else "")
    # Flags and compilers for both languages: a plugin project enables C, C++ or both
    # (CMake notes, without failing, the variables a project does not use).
    configure = ["cmake", "-S", src, "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}",
                 f"-DCMAKE_CXX_FLAGS={flags}", f"-DCMAKE_C_FLAGS={flags}"]
    if sanitize:
        configure.append(f"-DCMAKE_MODULE_LINKER_FLAGS={SANITIZER_FLAGS}")
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    if CXX_COMPILER:
        configure.append(f"-DCMAKE_CXX_COMPILER={CXX_COMPILER}")
    if C_COMPILER:
        configure.append(f"-DCMAKE_C_COMPILER={C_COMPILER}")
    env = dict(os.environ)
    if shutil.which("ccache"):
        configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
        # Paths relative to the work folder, so a rerun in another temporary folder hits.
        env["CCACHE_BASEDIR"] = str(work)
    run(configure, env=env)
    run(["cmake", "--build", build], env=env)
    return build


def build_plugins(jobs, work, prefix, sanitize=False):
    """Builds several plugins two at a time; `jobs` maps a name to (source, prefix or
    None for `prefix`). Returns {name: build folder}."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(build_plugin, source, work, sdk_prefix or prefix, name,
                                     sanitize)
                   for name, (source, sdk_prefix) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def sdk_with_abi_version(prefix, dest, major, minor):
    """A copy of the installed SDK (headers and CMake package) at `dest` whose abi.h
    claims ABI `major`.`minor`: the SDK of a release this host may not speak."""
    dest = pathlib.Path(dest)
    shutil.copytree(pathlib.Path(prefix) / "include", dest / "include")
    package = package_dir(prefix)
    shutil.copytree(package, dest / package.relative_to(prefix))
    abi = dest / "include" / "proxy" / "sdk" / "abi.h"
    lines = abi.read_text(encoding="utf-8").splitlines(keepends=True)
    for part, value in (("MAJOR", major), ("MINOR", minor)):
        define = f"#define PROXY_SDK_ABI_VERSION_{part} "
        index = next(i for i, line in enumerate(lines) if line.startswith(define))
        lines[index] = f"{define}{value}\n"
    abi.write_text("".join(lines), encoding="utf-8")
    return dest
