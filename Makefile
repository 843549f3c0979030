# SPDX-License-Identifier: GPL-2.0
#
# mmapdemo: see README.md.  `make` builds mmapdemo.ko against KDIR: the
# running kernel's build directory, else the newest installed Debian headers.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

KERNELRELEASE_OF_KDIR = $(shell cat $(KDIR)/include/config/kernel.release)

.PHONY: all modules clean check demo shell bench mutants check-host tests install uninstall

all modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Into /lib/modules/<release>/ (or $(INSTALL_MOD_PATH)/lib/modules/...),
# then depmod, so that `modprobe mmapdemo` finds it.  Unsigned: only the
# distribution has its signing key (DKMS signs with the machine's own).
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install CONFIG_MODULE_SIG_ALL=
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KERNELRELEASE_OF_KDIR)

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KERNELRELEASE_OF_KDIR)/*/mmapdemo.ko*
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KERNELRELEASE_OF_KDIR)

tests:
	scripts/ksft.sh
	mkdir -p build/tests
	$(MAKE) -C userspace-tests OUTPUT=$(CURDIR)/build/tests LDFLAGS=-static

check:
	scripts/check.sh

demo:
	scripts/demo.sh

shell:
	scripts/demo.sh --shell

# The benchmark, in VMs: build/bench/table.txt (see README.md).
bench:
	scripts/bench.sh

# Planted bugs, each of which some test must catch (see README.md).
mutants:
	scripts/mutants.sh

# The selftests against the module loaded on this machine (as root).
check-host:
	scripts/ksft.sh
	$(MAKE) -C userspace-tests
	cd userspace-tests && ./mmapdemo.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build
