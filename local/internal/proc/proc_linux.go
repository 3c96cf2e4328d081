package proc

import "syscall"

// setParentDeathSignal asks the kernel to SIGKILL the child when the host dies, so a killed
// host leaves no DynamoDB Local, moto_server or bootstrap behind.
func setParentDeathSignal(a *syscall.SysProcAttr) {
	a.Pdeathsig = syscall.SIGKILL
}
