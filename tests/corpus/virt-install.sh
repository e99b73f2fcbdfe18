#!/bin/sh
# Regenerates tests/corpus/domains/vi-*.xml: genuine virt-install output
# (virt-install --print-xml --dry-run, virtinst 4.1.0 as Debian 12 ships it)
# for common OS variants and options, made against a lab host's libvirt 9.0
# so that the XML is what virt-install writes there. Run on a lab host:
#   tests/lab/lab ssh K sh -s < tests/corpus/virt-install.sh > /tmp/vi.out
# The output is a sequence of "=== NAME" lines each followed by its XML; the
# corpus keeps it as printed (see ORIGINS.md for the one rename every file
# gets). The NICs use the corpus network c-nat-network, except vi-ubuntu2204
# which keeps virt-install's default network, as a host's first VM does.
set -u
net=network=c-nat-network
gen() {
  name=$1
  shift
  echo "=== $name"
  virt-install --print-xml --dry-run --noautoconsole --name "c-$name" "$@" 2>&1
}
img=/var/lib/virtplan/corpus-vols
gen vi-ubuntu2204 --os-variant ubuntu22.04 --memory 2048 --vcpus 2 --import --disk size=10 --network network=default
gen vi-debian11-vnc --os-variant debian11 --memory 1024 --vcpus 1 --import \
  --disk path=$img/vi-debian11.qcow2,size=8,bus=virtio,cache=none,io=native,discard=unmap \
  --graphics vnc,listen=0.0.0.0,port=5905 --video virtio --network $net,model=virtio
gen vi-fedora37-uefi --os-variant fedora37 --memory 2048 --vcpus 2 --import --boot uefi --disk size=20 --network $net
gen vi-win11-tpm --os-variant win11 --memory 4096 --vcpus 2 --import --disk size=64,bus=sata \
  --network $net,model=e1000e --tpm emulator,model=tpm-crb,version=2.0 --boot uefi
gen vi-win10-hyperv --os-variant win10 --memory 4096 --vcpus 2 --import --disk size=40,bus=sata \
  --network $net,model=e1000e --clock offset=localtime
gen vi-win2k22-vnc --os-variant win2k22 --memory 4096 --vcpus 4 --import --disk size=40 \
  --network $net --graphics vnc --video qxl
gen vi-win7-pc --os-variant win7 --machine pc --memory 2048 --vcpus 1 --import --disk size=30,bus=ide --network $net,model=rtl8139
gen vi-rhel9-numa-iothreads --os-variant rhel9.0 --memory 4096 --vcpus 4 --import \
  --cpu host-model,cell0.cpus=0-1,cell0.memory=2097152,cell1.cpus=2-3,cell1.memory=2097152 \
  --iothreads 2 --disk size=10,driver.iothread=1 --disk size=5,driver.iothread=2 --network $net
gen vi-centos9-watchdog-serial --os-variant centos-stream9 --memory 2048 --vcpus 2 --import --disk size=10 \
  --watchdog i6300esb,action=reset --serial pty --console pty,target_type=serial --graphics none --network $net
gen vi-alpine-minimal --os-variant alpinelinux3.17 --machine pc --memory 512 --vcpus 1 --import --disk size=2 \
  --graphics none --memballoon none --network $net
gen vi-freebsd13-sata --os-variant freebsd13.1 --memory 2048 --vcpus 2 --import --disk size=10,bus=sata \
  --network $net,model=e1000
gen vi-opensuse15-bridge --os-variant opensuse15.4 --memory 2048 --vcpus 2 --import --disk size=10 --network bridge=br0,model=virtio
gen vi-generic-passthrough --os-variant generic --memory 1024 --vcpus 2 --cpu host-passthrough --disk none --network none --boot hd
gen vi-archlinux-rng --os-variant archlinux --memory 1024 --vcpus 1 --import --disk size=10 --rng /dev/random --network $net
gen vi-ubuntu2004-macvtap --os-variant ubuntu20.04 --memory 2048 --vcpus 2 --import --disk size=10 \
  --network type=direct,source=eth0,source.mode=bridge,model=virtio
gen vi-ubuntu2004-ovs --os-variant ubuntu20.04 --memory 2048 --vcpus 2 --import --disk size=10 \
  --network bridge=ovsbr0,virtualport.type=openvswitch,model=virtio
gen vi-debian11-spice-password --os-variant debian11 --memory 1024 --vcpus 1 --import --disk size=10 \
  --graphics spice,password=Secret123,listen=127.0.0.1 --network $net
gen vi-fedora37-virtiofs --os-variant fedora37 --memory 2048 --vcpus 2 --import --disk size=10 \
  --memorybacking source.type=memfd,access.mode=shared --filesystem /srv/share,share,driver.type=virtiofs --network $net
gen vi-rhel8-scsi-cdrom --os-variant rhel8.6 --memory 2048 --vcpus 2 --import \
  --controller scsi,model=virtio-scsi --disk size=10,bus=scsi,discard=unmap --disk device=cdrom,bus=sata --network $net
gen vi-ubuntu2204-panic-vsock --os-variant ubuntu22.04 --memory 2048 --vcpus 2 --import --disk size=10 \
  --panic default --vsock cid.auto=yes --network $net
gen vi-debian11-serial-log --os-variant debian11 --memory 1024 --vcpus 1 --import --disk size=10 \
  --serial file,path=/var/log/libvirt/qemu/c-vi-debian11-serial-log.serial.log --console pty --network $net
gen vi-centos7-cpu-custom --os-variant centos7.0 --memory 2048 --vcpus 2 --import --disk size=10 \
  --cpu Haswell-noTSX,-vmx,+ssse3 --network $net
gen vi-ubuntu1804-sysinfo --os-variant ubuntu18.04 --memory 1024 --vcpus 1 --import --disk size=10 \
  --sysinfo system.manufacturer=Acme,system.product=Widget,system.serial=ABC123 --network $net
gen vi-netboot-order --os-variant generic --memory 1024 --vcpus 1 --pxe --disk size=5,boot.order=2 \
  --network $net,boot.order=1 --boot menu=on
gen vi-fedora37-virtio-input --os-variant fedora37 --memory 2048 --vcpus 2 --import --disk size=10 \
  --input keyboard,bus=virtio --input tablet,bus=virtio --video bochs --network $net
gen vi-rhel9-channels --os-variant rhel9.0 --memory 2048 --vcpus 2 --import --disk size=10 \
  --channel unix,target.type=virtio,name=org.qemu.guest_agent.0 --channel spicevmc --network $net
gen vi-rhel9-tuning --os-variant rhel9.0 --memory 2048 --vcpus 2 --import --disk size=10 \
  --blkiotune weight=200 --memtune hard_limit=4194304 --cputune vcpupin0.vcpu=0,vcpupin0.cpuset=0 --network $net
gen vi-metadata-events --os-variant ubuntu22.04 --memory 1024 --vcpus 1 --import --disk size=10 \
  --metadata title=Web,description=Frontend --events on_crash=restart,on_poweroff=destroy --network $net
gen vi-ubuntu2204-backing --os-variant ubuntu22.04 --memory 1024 --vcpus 1 --import \
  --disk path=$img/vi-ubuntu2204-overlay.qcow2,size=10,backing_store=$img/c-vol-base.qcow2 --network $net
gen vi-win10-smartcard-usbredir --os-variant win10 --memory 4096 --vcpus 2 --import --disk size=40,bus=sata \
  --smartcard passthrough,type=spicevmc --redirdev usb,type=spicevmc --network $net,model=e1000e
gen vi-ubuntu2204-hugepages --os-variant ubuntu22.04 --memory 2048 --vcpus 2 --import --disk size=10 \
  --memorybacking hugepages=on --network $net
gen vi-debian11-vlan-bridge --os-variant debian11 --memory 1024 --vcpus 1 --import --disk size=10 \
  --network bridge=br0,model=virtio,mtu.size=9000,link.state=up
