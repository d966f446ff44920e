-- Each VM's VNC password (Data Protection, like password_protected): QEMU asks it of every VNC client, and only
-- the daemon's console bridge knows it. NULL for VMs created before: their screen stays without a password.
ALTER TABLE machines ADD COLUMN vnc_password_protected TEXT;
