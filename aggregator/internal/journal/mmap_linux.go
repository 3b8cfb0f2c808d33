package journal

import "syscall"

// mmapFlags makes the kernel read the file into the mapping at once.
const mmapFlags = syscall.MAP_POPULATE
