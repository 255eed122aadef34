// The Bicep twin of two-inline-shell.json (the same template, as a Bicep user writes it).
param imageTemplateName string = 'ubuntu-web'
param location string = 'westus2'

resource imageTemplate 'Microsoft.VirtualMachineImages/imageTemplates@2022-07-01' = {
  name: imageTemplateName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib': {}
    }
  }
  properties: {
    buildTimeoutInMinutes: 80
    vmProfile: { vmSize: 'Standard_D2s_v3', osDiskSizeGB: 30 }
    source: {
      type: 'PlatformImage'
      publisher: 'Canonical'
      offer: '0001-com-ubuntu-server-jammy'
      sku: '22_04-lts-gen2'
      version: 'latest'
    }
    customize: [
      {
        type: 'Shell'
        name: 'install-web-server'
        inline: [
          'sudo apt-get update'
          'sudo DEBIAN_FRONTEND=noninteractive apt-get install -y nginx'
          'sudo systemctl enable nginx'
        ]
      }
      {
        type: 'Shell'
        name: 'write-home-page'
        inline: [
          'echo "<h1>built on $(date -u +%Y-%m-%d)</h1>" | sudo tee /var/www/html/index.html'
          'sudo chmod 644 /var/www/html/index.html'
        ]
      }
    ]
    distribute: [
      {
        type: 'ManagedImage'
        imageId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.Compute/images/ubuntu-web'
        location: 'westus2'
        runOutputName: 'ubuntu-web'
      }
    ]
  }
}
