// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @notice The wiring deploySuite leaves behind: governance is the only admin, the deployer keeps
///         nothing, the server has exactly its operational roles.
contract DeploymentTest is Fixture {
    bytes32 constant ADMIN = bytes32(0);

    function _admins() internal view returns (address[6] memory c) {
        c = [
            address(s.staking),
            address(s.distributor),
            address(s.oracle),
            address(s.registry),
            address(s.skillWallet),
            address(s.badges)
        ];
    }

    function test_timelockIsTheOnlyAdmin() public view {
        address[6] memory c = _admins();
        for (uint256 i = 0; i < c.length; i++) {
            IAccessControl ac = IAccessControl(c[i]);
            assertTrue(ac.hasRole(ADMIN, address(s.timelock)), "timelock is admin");
            assertFalse(ac.hasRole(ADMIN, address(this)), "deployer is not admin");
            assertFalse(ac.hasRole(ADMIN, relayer), "relayer is not admin");
            assertTrue(ac.hasRole(keccak256("PAUSER_ROLE"), address(s.timelock)), "timelock pauses");
            assertFalse(ac.hasRole(keccak256("PAUSER_ROLE"), address(this)), "deployer does not pause");
        }
        assertFalse(s.timelock.hasRole(s.timelock.DEFAULT_ADMIN_ROLE(), address(this)), "timelock self-administered");
        assertTrue(s.timelock.hasRole(s.timelock.DEFAULT_ADMIN_ROLE(), address(s.timelock)), "self admin");
        assertTrue(s.timelock.hasRole(s.timelock.PROPOSER_ROLE(), address(s.governor)), "governor proposes");
        assertTrue(s.timelock.hasRole(s.timelock.CANCELLER_ROLE(), address(s.governor)), "governor cancels");
        assertTrue(s.timelock.hasRole(s.timelock.EXECUTOR_ROLE(), address(0)), "anyone executes");
    }

    function test_operationalRoles() public view {
        assertTrue(s.skillWallet.hasRole(s.skillWallet.ORACLE_ROLE(), relayer), "oracle role");
        assertTrue(s.skillWallet.hasRole(s.skillWallet.MINTER_ROLE(), relayer), "wallet minter");
        assertTrue(s.skillWallet.hasRole(s.skillWallet.RECOVERY_ROLE(), address(s.timelock)), "governance recovery");
        assertFalse(s.skillWallet.hasRole(s.skillWallet.RECOVERY_ROLE(), address(this)), "deployer cannot recover");
        assertTrue(s.badges.hasRole(s.badges.ISSUER_ROLE(), relayer), "issuer");
        assertTrue(s.badges.hasRole(s.badges.MINTER_ROLE(), relayer), "badge minter");
        assertTrue(s.distributor.hasRole(s.distributor.PUBLISHER_ROLE(), relayer), "publisher");
        assertTrue(s.registry.hasRole(s.registry.SLASHER_ROLE(), relayer), "dispute slasher");
        assertTrue(s.registry.hasRole(s.registry.SLASHER_ROLE(), address(s.timelock)), "governance slasher");
        assertTrue(s.staking.hasRole(s.staking.SLASHER_ROLE(), address(s.registry)), "registry slashes stake");
        assertTrue(s.staking.hasRole(s.staking.LOCKER_ROLE(), address(s.registry)), "registry locks stake");
        assertTrue(s.staking.hasRole(s.staking.REWARD_MANAGER_ROLE(), address(s.timelock)), "governance sets rates");
        assertFalse(s.staking.hasRole(s.staking.REWARD_MANAGER_ROLE(), address(this)), "deployer does not");
        assertEq(s.staking.rewardReserve(), STAKING_REWARDS, "staking reserve funded");
    }

    function test_proxiesPointAtTheirImplementations() public view {
        bytes32 implSlot = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
        assertEq(_implOf(address(s.oracle), implSlot), s.oracleImpl, "oracle");
        assertEq(_implOf(address(s.registry), implSlot), s.registryImpl, "registry");
        assertEq(_implOf(address(s.skillWallet), implSlot), s.skillWalletImpl, "wallet");
        assertEq(_implOf(address(s.badges), implSlot), s.badgesImpl, "badges");
    }

    function _implOf(address proxy, bytes32 slot) internal view returns (address) {
        return address(uint160(uint256(vm.load(proxy, slot))));
    }
}
