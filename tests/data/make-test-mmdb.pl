#!/usr/bin/perl
# make-test-mmdb.pl OUTDIR - writes tiny MaxMind databases for the tests:
# test-country.mmdb (GeoLite2-Country layout) and test-asn.mmdb (GeoLite2-ASN
# layout), with Debian's libmaxmind-db-writer-perl. 10.0.0.0/8 is given a
# record on purpose: private addresses must never be looked up.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $dir = shift or die "usage: $0 OUTDIR\n";

my %types = (
    country                        => 'map',
    registered_country             => 'map',
    iso_code                       => 'utf8_string',
    names                          => 'map',
    en                             => 'utf8_string',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub tree {
    my ($type) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 24,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => "flowaudit test $type" },
        map_key_type_callback    => sub { $types{ $_[0] } },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4       => 1,
    );
}

sub write_tree {
    my ($tree, $file) = @_;
    open my $fh, '>:raw', "$dir/$file" or die "$dir/$file: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$dir/$file: $!\n";
}

my @networks = (
    # network,          country, name,             asn,   organisation
    ['20.50.0.0/16',    'NL', 'Netherlands',   8075,  'MICROSOFT-CORP-MSN-AS-BLOCK'],
    ['93.184.216.0/24', 'US', 'United States', 15133, 'EDGECAST'],
    ['52.0.0.0/11',     'IE', 'Ireland',       16509, 'AMAZON-02'],
    ['2a01:111::/32',   'DE', 'Germany',       8075,  'MICROSOFT-CORP-MSN-AS-BLOCK'],
    ['10.0.0.0/8',      'XX', 'Nowhere',       64512, 'PRIVATE-MUST-NOT-APPEAR'],
);

my $country = tree('GeoLite2-Country');
my $asn     = tree('GeoLite2-ASN');
for my $n (@networks) {
    my ($net, $cc, $name, $as, $org) = @$n;
    $country->insert_network($net,
        { country => { iso_code => $cc, names => { en => $name } } });
    $asn->insert_network($net,
        { autonomous_system_number => $as, autonomous_system_organization => $org });
}
write_tree($country, 'test-country.mmdb');
write_tree($asn, 'test-asn.mmdb');
