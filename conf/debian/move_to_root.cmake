# CPack pre-build script of the Debian package: the tree was installed below /usr, but
# Debian keeps configuration in /etc and system units in /lib/systemd/system.
set(root ${CPACK_TEMPORARY_INSTALL_DIRECTORY})
foreach(dir etc lib/systemd)
  if(EXISTS ${root}/usr/${dir})
    get_filename_component(parent ${root}/${dir} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(RENAME ${root}/usr/${dir} ${root}/${dir})
  endif()
endforeach()
file(REMOVE_RECURSE ${root}/usr/lib)  # empty once systemd/ moved
