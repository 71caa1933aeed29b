import { describe, expect, it } from "vitest";
import { AddressPolicy, allowEntryProblem } from "../../../src/media/remote/address-policy.js";

describe("AddressPolicy", () => {
  const policy = new AddressPolicy();

  it.each([
    "127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1",
    "100.64.0.1", "169.254.169.254", "fe80::1", "fd00::1", "fc00::1", "224.0.0.1", "255.255.255.255", "192.0.2.1",
    "198.18.0.1", "240.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "64:ff9b::a00:1", "2002:a00:1::1", "2001::1", "fec0::1", "ff02::1", "not an address",
  ])("refuses %s", (address) => {
    expect(policy.allowsAddress(address)).toBe(false);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:93.184.215.14"])("allows the public %s", (address) => {
    expect(policy.allowsAddress(address)).toBe(true);
  });

  it("lets allow-listed addresses and ranges through, names apart", () => {
    const allowing = new AddressPolicy(["10.0.0.0/8", "::1", "Images.Internal."]);
    expect(allowing.allowsAddress("10.20.30.40")).toBe(true);
    expect(allowing.allowsAddress("::ffff:10.20.30.40")).toBe(true);
    expect(allowing.allowsAddress("::1")).toBe(true);
    expect(allowing.allowsAddress("127.0.0.1")).toBe(false);
    expect(allowing.allowsAddress("192.168.0.1")).toBe(false);
    expect(allowing.trustsHostName("images.internal")).toBe(true);
    expect(allowing.trustsHostName("other.internal")).toBe(false);
  });

  it.each(["a b", "1", "0x7f.1", "10.0.0.0/33", "http://x", ""])("refuses the allow-list entry %j", (entry) => {
    expect(allowEntryProblem(entry)).not.toBeNull();
  });
});
