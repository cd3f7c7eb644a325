// SPDX-License-Identifier: MIT
pragma solidity ^0.8.15;

/// @title DevToken
/// @notice A plain ERC-20 for benchmarks and tests on dev chains: the whole supply goes to the
///         deployer. Not deployed by `lamina deploy`.
contract DevToken {
    string public constant name = "Lamina Dev Token";
    string public constant symbol = "LDT";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint256 _supply) {
        totalSupply = _supply;
        balanceOf[msg.sender] = _supply;
        emit Transfer(address(0), msg.sender, _supply);
    }

    function transfer(address _to, uint256 _value) external returns (bool) {
        _move(msg.sender, _to, _value);
        return true;
    }

    function approve(address _spender, uint256 _value) external returns (bool) {
        allowance[msg.sender][_spender] = _value;
        emit Approval(msg.sender, _spender, _value);
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _value) external returns (bool) {
        uint256 allowed = allowance[_from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= _value, "DevToken: allowance");
            allowance[_from][msg.sender] = allowed - _value;
        }
        _move(_from, _to, _value);
        return true;
    }

    function _move(address _from, address _to, uint256 _value) internal {
        require(balanceOf[_from] >= _value, "DevToken: balance");
        balanceOf[_from] -= _value;
        balanceOf[_to] += _value;
        emit Transfer(_from, _to, _value);
    }
}
