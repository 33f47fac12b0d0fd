//! Every function vmmem-sys declares is in the library it links (taking
//! an address makes the linker resolve it), and a few calls through the raw
//! declarations agree with the generated constants.

use std::ffi::CStr;

use vmmem_sys::*;

#[test]
fn every_declared_function_links() {
    let core: &[usize] = &[
        vmmem_strerror as usize,
        vmmem_memcpy_fast as usize,
        vmmem_memcpy_adaptive as usize,
        vmmem_memcpy_adaptive_with_threshold as usize,
        vmmem_memmove as usize,
        vmmem_memcpy_parallel as usize,
        vmmem_parallel_pool_size as usize,
        vmmem_parallel_shutdown as usize,
        vmmem_copy_checked as usize,
        vmmem_isa_name as usize,
        vmmem_isa_from_name as usize,
        vmmem_isa_supported as usize,
        vmmem_best_isa as usize,
        vmmem_active_isa as usize,
        vmmem_force_isa as usize,
        vmmem_get_kernel as usize,
        vmmem_get_cpu_info as usize,
        vmmem_get_thresholds as usize,
    ];
    assert!(core.iter().all(|&f| f != 0));
    #[cfg(feature = "guest-memory")]
    {
        let guest: &[usize] = &[
            vmmem_guest_memory_create as usize,
            vmmem_guest_memory_destroy as usize,
            vmmem_guest_add_ram as usize,
            vmmem_guest_add_rom as usize,
            vmmem_guest_add_mmio as usize,
            vmmem_guest_remove_region as usize,
            vmmem_guest_region_at as usize,
            vmmem_guest_enter as usize,
            vmmem_guest_exit as usize,
            vmmem_guest_translate as usize,
            vmmem_guest_read as usize,
            vmmem_guest_write as usize,
            vmmem_guest_copy_block as usize,
            vmmem_guest_read_u8 as usize,
            vmmem_guest_read_le16 as usize,
            vmmem_guest_read_le32 as usize,
            vmmem_guest_read_le64 as usize,
            vmmem_guest_read_be16 as usize,
            vmmem_guest_read_be32 as usize,
            vmmem_guest_read_be64 as usize,
            vmmem_guest_write_u8 as usize,
            vmmem_guest_write_le16 as usize,
            vmmem_guest_write_le32 as usize,
            vmmem_guest_write_le64 as usize,
            vmmem_guest_write_be16 as usize,
            vmmem_guest_write_be32 as usize,
            vmmem_guest_write_be64 as usize,
            vmmem_guest_read_array as usize,
            vmmem_guest_write_array as usize,
            vmmem_guest_dirty_enable as usize,
            vmmem_guest_mark_dirty as usize,
            vmmem_guest_dirty_fetch_and_clear as usize,
        ];
        assert!(guest.iter().all(|&f| f != 0));
    }
}

#[test]
fn raw_calls_agree_with_the_constants() {
    unsafe {
        assert_eq!(vmmem_isa_supported(VMMEM_ISA_GENERIC), 1);
        let name = CStr::from_ptr(vmmem_isa_name(VMMEM_ISA_GENERIC));
        assert_eq!(name.to_str(), Ok("generic"));
        assert!(vmmem_isa_name(VMMEM_ISA_COUNT).is_null());
        let mut isa = -1;
        assert_eq!(vmmem_isa_from_name(b"generic\0".as_ptr() as *const _, &mut isa), VMMEM_OK);
        assert_eq!(isa, VMMEM_ISA_GENERIC);
        assert_eq!(vmmem_isa_from_name(b"bogus\0".as_ptr() as *const _, &mut isa), VMMEM_EINVAL);
        assert_eq!(vmmem_force_isa(VMMEM_ISA_COUNT), VMMEM_EINVAL);
        let mut info: vmmem_kernel_info = std::mem::zeroed();
        assert_eq!(vmmem_get_kernel(VMMEM_ISA_GENERIC, &mut info), VMMEM_OK);
        assert_eq!(info.isa, VMMEM_ISA_GENERIC);
        let mut buf = [0u8; 3];
        let memmove = info.memmove.expect("every kernel has memmove");
        memmove(buf.as_mut_ptr() as *mut _, b"abc".as_ptr() as *const _, 3);
        assert_eq!(&buf, b"abc");
        for &(name, value) in VMMEM_ERROR_CODES {
            assert!(name.starts_with("VMMEM_"));
            assert!(!vmmem_strerror(value).is_null());
        }
    }
}
