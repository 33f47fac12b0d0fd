//! vmmem-sys/build.rs - finds libvmmem (and libvmmem-vm with the
//! `guest-memory` feature) and generates the C constants.
//!
//! Where the library comes from (environment variable VMMEM_SYS_BUILD):
//!   unset        pkg-config if it knows `vmmem` (an installed library),
//!                otherwise a CMake build of the source tree around this crate
//!   pkg-config   pkg-config only: `vmmem` / `vmmem-vm` (PKG_CONFIG_PATH for a
//!                private prefix); shared libraries, or static ones with
//!                VMMEM_SYS_STATIC=1
//!   cmake        CMake only: configures and builds the static libraries of
//!                the tree at VMMEM_SOURCE_DIR (default: ../../.. from this
//!                crate) in OUT_DIR, without tests, benches or examples
//!
//! The constants (error codes, ISA numbers, flags) and the sizes of the
//! structs are not written down here: a small C program compiled against
//! the headers that are linked prints them (CC, default `cc`), and
//! $OUT_DIR/constants.rs holds the result, so the Rust side always agrees
//! with the C library it links. Error codes are taken by name from the
//! `enum vmmem_error` in vmmem/error.h, every name it has.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Constants other than the error codes, by C name: (name, Rust type).
const CONSTANTS: &[(&str, &str)] = &[
    ("VMMEM_ISA_GENERIC", "c_int"),
    ("VMMEM_ISA_SSE2", "c_int"),
    ("VMMEM_ISA_AVX2", "c_int"),
    ("VMMEM_ISA_AVX512", "c_int"),
    ("VMMEM_ISA_ERMS", "c_int"),
    ("VMMEM_ISA_NEON", "c_int"),
    ("VMMEM_ISA_COUNT", "c_int"),
    ("VMMEM_CPU_SSE2", "c_uint"),
    ("VMMEM_CPU_AVX2", "c_uint"),
    ("VMMEM_CPU_AVX512", "c_uint"),
    ("VMMEM_CPU_ERMS", "c_uint"),
    ("VMMEM_CPU_FSRM", "c_uint"),
    ("VMMEM_CPU_AVX512VBMI", "c_uint"),
    ("VMMEM_CPU_SSSE3", "c_uint"),
    ("VMMEM_CPU_NEON", "c_uint"),
    ("VMMEM_CACHE_DEFAULT", "c_int"),
    ("VMMEM_CACHE_CPUID", "c_int"),
    ("VMMEM_CACHE_SYSFS", "c_int"),
];

/// Constants of vmmem/guest_memory.h (the `guest-memory` feature).
const GUEST_CONSTANTS: &[(&str, &str)] = &[
    ("VMMEM_DIRTY_PAGE_SIZE", "u64"),
    ("VMMEM_REGION_RAM", "c_int"),
    ("VMMEM_REGION_ROM", "c_int"),
    ("VMMEM_REGION_MMIO", "c_int"),
    ("VMMEM_RAM_HUGEPAGES", "c_uint"),
    ("VMMEM_RAM_SHARED", "c_uint"),
    ("VMMEM_ACCESS_READ", "c_uint"),
    ("VMMEM_ACCESS_WRITE", "c_uint"),
];

/// Structs whose size the Rust declarations in src/lib.rs must match.
const STRUCTS: &[&str] = &["vmmem_cpu_info", "vmmem_thresholds", "vmmem_kernel_info"];
const GUEST_STRUCTS: &[&str] = &["vmmem_region_info", "vmmem_ram_options", "vmmem_mmio_ops", "vmmem_partial", "vmmem_host_ram"];

fn main() {
    for var in ["VMMEM_SYS_BUILD", "VMMEM_SYS_STATIC", "VMMEM_SOURCE_DIR", "PKG_CONFIG_PATH", "CC", "CMAKE"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    let guest = env::var_os("CARGO_FEATURE_GUEST_MEMORY").is_some();
    let mode = env::var("VMMEM_SYS_BUILD").unwrap_or_default();
    let (include, from) = match mode.as_str() {
        "pkg-config" => pkg_config(guest).unwrap_or_else(|why| fail(&why)),
        "cmake" => cmake(guest),
        "" => match pkg_config(guest) {
            Ok(found) => found,
            Err(_) => cmake(guest),
        },
        other => fail(&format!("VMMEM_SYS_BUILD={} (use pkg-config or cmake)", other)),
    };
    println!("cargo:rustc-env=VMMEM_SYS_LINKED_FROM={}", from);
    println!("cargo:include={}", include.display());
    generate_constants(&include, guest);
}

fn fail(why: &str) -> ! {
    eprintln!("vmmem-sys: {}", why);
    panic!("vmmem-sys: {}", why);
}

fn out_dir() -> PathBuf {
    PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let shown = format!("{:?}", cmd);
    let out = cmd.output().map_err(|e| format!("cannot run {}: {}", shown, e))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}{}",
            shown,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The installed library, through pkg-config: link flags for cargo, and the
/// include directory.
fn pkg_config(guest: bool) -> Result<(PathBuf, String), String> {
    let modules: &[&str] = if guest { &["vmmem", "vmmem-vm"] } else { &["vmmem"] };
    let static_link = env::var("VMMEM_SYS_STATIC").map(|v| v == "1").unwrap_or(false);
    let mut exists = Command::new("pkg-config");
    exists.arg("--atleast-version=0.1").args(modules);
    run(&mut exists).map_err(|_| format!("pkg-config does not know {} (>= 0.1); set PKG_CONFIG_PATH", modules.join(" ")))?;
    let mut libs = Command::new("pkg-config");
    libs.arg("--libs");
    if static_link {
        libs.arg("--static");
    }
    let libs = run(libs.args(modules))?;
    let mut libdir = String::new();
    for flag in libs.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
            if libdir.is_empty() {
                libdir = dir.to_string();
            }
        } else if let Some(lib) = flag.strip_prefix("-l") {
            let ours = lib == "vmmem" || lib == "vmmem-vm";
            println!("cargo:rustc-link-lib={}{}", if ours && static_link { "static=" } else { "" }, lib);
        } else if flag == "-pthread" {
            println!("cargo:rustc-link-lib=pthread");
        }
    }
    let include = run(Command::new("pkg-config").args(["--variable=includedir", "vmmem"]))?;
    let shown = match Path::new(&libdir).canonicalize() {
        Ok(dir) => dir.display().to_string(),
        Err(_) if libdir.is_empty() => "system".to_string(),
        Err(_) => libdir,
    };
    Ok((PathBuf::from(include.trim()), format!("pkg-config ({})", shown)))
}

/// The source tree, built with CMake into OUT_DIR: static libraries, linked
/// in whole, so nothing is needed at run time.
fn cmake(guest: bool) -> (PathBuf, String) {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let source = env::var_os("VMMEM_SOURCE_DIR").map(PathBuf::from).unwrap_or_else(|| manifest.join("../../.."));
    if !source.join("include/vmmem/memcpy.h").is_file() || !source.join("CMakeLists.txt").is_file() {
        fail(&format!(
            "no installed libvmmem (pkg-config vmmem) and no vm-mem source tree at {} (set VMMEM_SOURCE_DIR)",
            source.display()
        ));
    }
    if env::var("TARGET").ok() != env::var("HOST").ok() {
        fail("the CMake build is for the host only; cross-compile with an installed library (VMMEM_SYS_BUILD=pkg-config)");
    }
    let source = source.canonicalize().unwrap_or(source);
    for dir in ["CMakeLists.txt", "cmake", "src", "arch", "include"] {
        println!("cargo:rerun-if-changed={}", source.join(dir).display());
    }
    let build = out_dir().join("cmake-build");
    let cmake = env::var("CMAKE").unwrap_or_else(|_| "cmake".to_string());
    let on_off = |b: bool| if b { "ON" } else { "OFF" };
    let mut configure = Command::new(&cmake);
    configure
        .arg("-S")
        .arg(&source)
        .arg("-B")
        .arg(&build)
        .args(["-DCMAKE_BUILD_TYPE=Release", "-DVMMEM_BUILD_TESTS=OFF", "-DVMMEM_BUILD_BENCH=OFF"])
        .args(["-DVMMEM_BUILD_EXAMPLES=OFF", "-DVMMEM_BUILD_TOOLS=OFF"])
        .arg(format!("-DVMMEM_BUILD_VM={}", on_off(guest)));
    run(&mut configure).unwrap_or_else(|why| fail(&why));
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".to_string());
    let mut compile = Command::new(&cmake);
    compile.arg("--build").arg(&build).args(["--target", "vmmem_static"]);
    if guest {
        compile.arg("vmmem_vm_static");
    }
    compile.args(["-j", &jobs]);
    run(&mut compile).unwrap_or_else(|why| fail(&why));

    if guest {
        println!("cargo:rustc-link-search=native={}", build.join("src/vm").display());
        println!("cargo:rustc-link-lib=static=vmmem-vm");
    }
    println!("cargo:rustc-link-search=native={}", build.display());
    println!("cargo:rustc-link-lib=static=vmmem");
    if guest {
        // libvmmem-vm's own dependency, a system library (liburcu-dev).
        let urcu = run(Command::new("pkg-config").args(["--libs", "liburcu-bp"]))
            .unwrap_or_else(|_| "-lurcu-bp -lurcu-common".to_string());
        for lib in urcu.split_whitespace().filter_map(|f| f.strip_prefix("-l")) {
            println!("cargo:rustc-link-lib={}", lib);
        }
    }
    println!("cargo:rustc-link-lib=pthread");
    (source.join("include"), format!("cmake ({})", source.display()))
}

/// Enumerator names of `enum vmmem_error` in error.h, in order.
fn error_names(include: &Path) -> Vec<String> {
    let path = include.join("vmmem/error.h");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("{}: {}", path.display(), e)));
    let start = text.find("enum vmmem_error").unwrap_or_else(|| fail("error.h: no enum vmmem_error"));
    let body = &text[start..];
    let body = &body[..body.find("};").unwrap_or_else(|| fail("error.h: enum vmmem_error not closed"))];
    body.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            if !line.starts_with("VMMEM_") {
                return None;
            }
            Some(line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        })
        .collect()
}

/// Compiles and runs a C program that prints every constant and struct size
/// as Rust, into $OUT_DIR/constants.rs.
fn generate_constants(include: &Path, guest: bool) {
    println!("cargo:rerun-if-changed={}", include.join("vmmem").display());
    let errors = error_names(include);
    let mut constants: Vec<(String, &str)> = errors.iter().map(|n| (n.clone(), "c_int")).collect();
    constants.extend(CONSTANTS.iter().map(|(n, t)| (n.to_string(), *t)));
    let mut structs: Vec<&str> = STRUCTS.to_vec();
    if guest {
        constants.extend(GUEST_CONSTANTS.iter().map(|(n, t)| (n.to_string(), *t)));
        structs.extend(GUEST_STRUCTS);
    }

    let mut c = String::from("#include <stdio.h>\n#include <vmmem/vmmem.h>\n");
    if guest {
        c.push_str("#include <vmmem/guest_memory.h>\n");
    }
    c.push_str("int main(void)\n{\n");
    for (name, ty) in &constants {
        c.push_str(&format!(
            "    printf(\"/// `{n}` from the C headers.\\npub const {n}: {t} = %lld;\\n\", (long long)({n}));\n",
            n = name,
            t = ty
        ));
    }
    c.push_str("    printf(\"/// Every `enum vmmem_error` code, by C name.\\npub const VMMEM_ERROR_CODES: &[(&str, c_int)] = &[\\n\");\n");
    for name in &errors {
        c.push_str(&format!("    printf(\"    (\\\"{n}\\\", {n}),\\n\");\n", n = name));
    }
    c.push_str("    printf(\"];\\n\");\n");
    for s in &structs {
        c.push_str(&format!(
            "    printf(\"const _: () = assert!(std::mem::size_of::<{s}>() == %zu && std::mem::align_of::<{s}>() == %zu);\\n\", sizeof(struct {s}), _Alignof(struct {s}));\n",
            s = s
        ));
    }
    c.push_str("    return 0;\n}\n");

    let dir = out_dir();
    let source = dir.join("constants_probe.c");
    let exe = dir.join("constants_probe");
    fs::write(&source, c).unwrap_or_else(|e| fail(&format!("{}: {}", source.display(), e)));
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let mut compile = Command::new(&cc);
    compile.arg("-std=gnu11").arg("-I").arg(include).arg(&source).arg("-o").arg(&exe);
    run(&mut compile).unwrap_or_else(|why| fail(&why));
    let text = run(&mut Command::new(&exe)).unwrap_or_else(|why| fail(&why));
    let dest = dir.join("constants.rs");
    fs::write(&dest, text).unwrap_or_else(|e| fail(&format!("{}: {}", dest.display(), e)));
}
