// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "./base/Test.sol";
import {Fixture} from "./base/Fixture.sol";
import {PhemeToken} from "../src/PhemeToken.sol";
import {ReputationOracle} from "../src/ReputationOracle.sol";
import {SkillWallet} from "../src/SkillWallet.sol";

// ==================================================================== token

contract TokenHandler is Test {
    PhemeToken immutable token;
    address[] public holders;
    mapping(address => bool) known;
    address[] actors;

    constructor(PhemeToken token_, address[] memory initialHolders, address[] memory actors_) {
        token = token_;
        for (uint256 i = 0; i < initialHolders.length; i++) {
            _know(initialHolders[i]);
        }
        for (uint256 i = 0; i < actors_.length; i++) {
            actors.push(actors_[i]);
            _know(actors_[i]);
        }
    }

    function holderCount() external view returns (uint256) {
        return holders.length;
    }

    function _know(address a) internal {
        if (!known[a]) {
            known[a] = true;
            holders.push(a);
        }
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        address to = toSeed % 7 == 0 ? address(uint160(uint256(keccak256(abi.encode(toSeed))))) : _actor(toSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        _know(to);
        vm.prank(from);
        token.transfer(to, amount);
    }

    function transferFrom(uint256 ownerSeed, uint256 spenderSeed, uint256 toSeed, uint256 amount) external {
        address owner = _actor(ownerSeed);
        address spender = _actor(spenderSeed);
        address to = _actor(toSeed);
        amount = bound(amount, 0, token.balanceOf(owner));
        vm.prank(owner);
        token.approve(spender, amount);
        vm.prank(spender);
        token.transferFrom(owner, to, amount);
    }

    function burn(uint256 seed, uint256 amount) external {
        address from = _actor(seed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.burn(amount);
    }

    function delegate(uint256 seed, uint256 toSeed) external {
        vm.prank(_actor(seed));
        token.delegate(_actor(toSeed));
    }
}

contract TokenInvariantTest is Fixture {
    TokenHandler handler;

    function setUp() public override {
        super.setUp();
        address[] memory actors = new address[](5);
        for (uint256 i = 0; i < 5; i++) {
            actors[i] = makeAddr(string.concat("holder", vm.toString(i)));
            fund(actors[i], 1_000_000 ether * (i + 1));
        }
        address[] memory initial = new address[](5);
        initial[0] = address(s.teamVesting);
        initial[1] = address(s.timelock);
        initial[2] = address(this);
        initial[3] = address(s.distributor);
        initial[4] = address(s.staking);
        handler = new TokenHandler(s.token, initial, actors);
        targetContract(address(handler));
    }

    function invariant_totalSupplyEqualsSumOfBalances() public view {
        uint256 sum;
        uint256 n = handler.holderCount();
        for (uint256 i = 0; i < n; i++) {
            sum += s.token.balanceOf(handler.holders(i));
        }
        assertEq(sum, s.token.totalSupply(), "sum of balances");
        assertLe(s.token.totalSupply(), 1_000_000_000 ether, "never above the initial supply");
    }

    function invariant_votesNeverExceedSupply() public view {
        uint256 n = handler.holderCount();
        uint256 votes;
        for (uint256 i = 0; i < n; i++) {
            votes += s.token.getVotes(handler.holders(i));
        }
        assertLe(votes, s.token.totalSupply(), "votes bounded by supply");
    }
}

// ==================================================================== oracle

contract OracleHandler is Test {
    ReputationOracle immutable oracle;
    address immutable governance;
    address[] public users; // sorted
    uint256[] keys; // all candidate signer keys: validators and outsiders
    mapping(address => uint256) keyOf;

    mapping(address => uint256) public expectedScore;
    bool public violation;
    uint256 public accepted;
    uint256 public rejected;

    constructor(ReputationOracle oracle_, address governance_, uint256[] memory keys_, address[] memory users_) {
        oracle = oracle_;
        governance = governance_;
        for (uint256 i = 0; i < keys_.length; i++) {
            keys.push(keys_[i]);
            keyOf[vm.addr(keys_[i])] = keys_[i];
        }
        for (uint256 i = 0; i < users_.length; i++) {
            users.push(users_[i]);
        }
    }

    function userCount() external view returns (uint256) {
        return users.length;
    }

    /// Submit a round signed by a random subset of the candidate keys, sometimes shuffled or with
    /// a duplicate; record whether the rule (>= M distinct current validators, sorted) held.
    function submit(uint256 subsetSeed, uint256 scoreSeed, uint8 flags) external {
        // mostly well-formed attempts, so that accepted rounds are common; flags add the faults
        bool withOutsiders = flags % 4 == 0;
        bool shuffle = (flags >> 2) % 4 == 0;
        bool duplicate = (flags >> 4) % 4 == 0;
        address[] memory signers = new address[](keys.length + 1);
        uint256 n;
        for (uint256 i = 0; i < keys.length; i++) {
            bool outsider = i >= 5;
            if ((subsetSeed >> i) & 1 == 1 && (!outsider || withOutsiders)) signers[n++] = vm.addr(keys[i]);
        }
        if (duplicate && n > 0) signers[n++] = signers[n - 1];
        // sort ascending
        for (uint256 i = 1; i < n; i++) {
            for (uint256 j = i; j > 0 && signers[j] < signers[j - 1]; j--) {
                (signers[j], signers[j - 1]) = (signers[j - 1], signers[j]);
            }
        }
        if (shuffle && n > 1) (signers[0], signers[n - 1]) = (signers[n - 1], signers[0]);

        uint8[] memory scores = new uint8[](users.length);
        for (uint256 i = 0; i < users.length; i++) {
            scores[i] = uint8(uint256(keccak256(abi.encode(scoreSeed, i))) % 101);
        }
        uint256 round = oracle.latestRound() + 1;
        bytes32 root = keccak256(abi.encode(scoreSeed));
        bytes32 digest = oracle.roundDigest(round, root, users, scores);
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i = 0; i < n; i++) {
            sigs[i] = signDigest(keyOf[signers[i]], digest);
        }

        bool ruleHolds = n >= oracle.threshold();
        for (uint256 i = 0; i < n && ruleHolds; i++) {
            if (!oracle.isValidator(signers[i])) ruleHolds = false;
            if (i > 0 && signers[i] <= signers[i - 1]) ruleHolds = false;
        }

        try oracle.submitRound(round, root, users, scores, sigs) {
            accepted++;
            if (!ruleHolds) violation = true;
            for (uint256 i = 0; i < users.length; i++) {
                expectedScore[users[i]] = scores[i];
            }
        } catch {
            rejected++;
            if (ruleHolds) violation = true; // a valid round must not be refused
        }
        vm.roll(block.number + 1);
    }

    function removeValidator(uint256 seed) external {
        address[] memory vs = oracle.validators();
        if (vs.length <= oracle.threshold()) return;
        vm.prank(governance);
        oracle.removeValidator(vs[seed % vs.length]);
    }

    function addValidator(uint256 seed) external {
        address a = vm.addr(keys[seed % keys.length]);
        if (oracle.isValidator(a)) return;
        vm.prank(governance);
        oracle.addValidator(a);
    }

    function setThreshold(uint256 seed) external {
        uint256 count = oracle.validators().length;
        vm.prank(governance);
        oracle.setThreshold(1 + (seed % count));
    }
}

contract OracleInvariantTest is Fixture {
    OracleHandler handler;

    function setUp() public override {
        super.setUp();
        uint256[] memory keys = new uint256[](NVALIDATORS + 3);
        for (uint256 i = 0; i < NVALIDATORS; i++) {
            keys[i] = validatorKeys[i];
        }
        for (uint256 i = 0; i < 3; i++) {
            (, keys[NVALIDATORS + i]) = makeAddrAndKey(string.concat("outsider", vm.toString(i)));
        }
        address[] memory users = new address[](6);
        for (uint256 i = 0; i < users.length; i++) {
            users[i] = makeAddr(string.concat("scored", vm.toString(i)));
        }
        handler = new OracleHandler(s.oracle, address(s.timelock), keys, sortAddresses(users));
        targetContract(address(handler));
    }

    function afterInvariant() external view {
        // the run must have exercised both outcomes, or the invariant proved nothing
        assertGt(handler.accepted() + handler.rejected(), 0, "rounds were submitted");
    }

    function invariant_scoresChangeOnlyWithThresholdOfDistinctCurrentValidators() public view {
        assertFalse(handler.violation(), "a round was accepted without M distinct current validators, or refused with them");
        uint256 n = handler.userCount();
        for (uint256 i = 0; i < n; i++) {
            address u = handler.users(i);
            assertEq(s.oracle.scoreOf(u), handler.expectedScore(u), "score equals the last valid round's");
        }
    }
}

// ==================================================================== soulbound wallet

contract WalletHandler is Test {
    SkillWallet immutable wallet;
    address immutable governance;
    address[] public holders; // index = tokenId - 1 at mint
    address[] guardians;
    mapping(uint256 => address) public expectedOwner;
    uint256 public tokenCount;
    uint256 public recoveries;
    uint256 freshCounter;

    constructor(SkillWallet wallet_, address governance_, address[] memory holders_, address[] memory guardians_) {
        wallet = wallet_;
        governance = governance_;
        for (uint256 i = 0; i < guardians_.length; i++) {
            guardians.push(guardians_[i]);
        }
        for (uint256 i = 0; i < holders_.length; i++) {
            holders.push(holders_[i]);
            vm.prank(holders_[i]);
            uint256 id = wallet.mint();
            expectedOwner[id] = holders_[i];
            vm.prank(holders_[i]);
            wallet.setGuardians(guardians, 2);
        }
        tokenCount = holders_.length;
    }

    function _id(uint256 seed) internal view returns (uint256) {
        return 1 + (seed % tokenCount);
    }

    function tryTransfer(uint256 idSeed, uint256 toSeed, uint8 path) external {
        uint256 id = _id(idSeed);
        address owner = wallet.ownerOf(id);
        address to = address(uint160(uint256(keccak256(abi.encode("to", toSeed)))));
        vm.startPrank(owner);
        if (path % 5 == 0) try wallet.transferFrom(owner, to, id) {} catch {}
        else if (path % 5 == 1) try wallet.safeTransferFrom(owner, to, id) {} catch {}
        else if (path % 5 == 2) try wallet.safeTransferFrom(owner, to, id, hex"01") {} catch {}
        else if (path % 5 == 3) try wallet.approve(to, id) {} catch {}
        else try wallet.setApprovalForAll(to, true) {} catch {}
        vm.stopPrank();
        vm.prank(to); // and a stranger
        try wallet.transferFrom(owner, to, id) {} catch {}
    }

    function guardianApprove(uint256 idSeed, uint256 gSeed, uint256 targetSeed) external {
        uint256 id = _id(idSeed);
        address target = address(uint160(uint256(keccak256(abi.encode("new", targetSeed % 3, id)))));
        vm.prank(guardians[gSeed % guardians.length]);
        try wallet.approveRecovery(id, target) {} catch {}
    }

    function holderCancels(uint256 idSeed) external {
        uint256 id = _id(idSeed);
        vm.prank(wallet.ownerOf(id));
        try wallet.cancelRecovery() {} catch {}
    }

    function wait(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 0, 5 days));
    }

    function execute(uint256 idSeed) external {
        uint256 id = _id(idSeed);
        SkillWallet.Recovery memory r = wallet.recoveryOf(id);
        try wallet.executeRecovery(id) {
            expectedOwner[id] = r.newOwner;
            recoveries++;
        } catch {}
    }

    function governanceRecover(uint256 idSeed) external {
        uint256 id = _id(idSeed);
        address to = address(uint160(uint256(keccak256(abi.encode("gov", freshCounter++)))));
        vm.prank(governance);
        wallet.governanceRecover(id, to);
        expectedOwner[id] = to;
        recoveries++;
    }
}

contract SoulboundInvariantTest is Fixture {
    WalletHandler handler;

    function setUp() public override {
        super.setUp();
        address[] memory holders = new address[](4);
        for (uint256 i = 0; i < holders.length; i++) {
            holders[i] = makeAddr(string.concat("soul", vm.toString(i)));
        }
        address[] memory gs = new address[](3);
        for (uint256 i = 0; i < gs.length; i++) {
            gs[i] = makeAddr(string.concat("guard", vm.toString(i)));
        }
        handler = new WalletHandler(s.skillWallet, address(s.timelock), holders, gs);
        targetContract(address(handler));
    }

    function invariant_ownerChangesOnlyByRecovery() public view {
        uint256 n = handler.tokenCount();
        for (uint256 id = 1; id <= n; id++) {
            address owner = s.skillWallet.ownerOf(id);
            assertEq(owner, handler.expectedOwner(id), "owner moved outside recovery");
            assertEq(s.skillWallet.walletOf(owner), id, "walletOf agrees");
            assertEq(s.skillWallet.getApproved(id), address(0), "never approved");
            assertEq(s.skillWallet.balanceOf(owner), 1, "one per address");
        }
    }
}
